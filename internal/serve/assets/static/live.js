// Live updates for resexp serve: the page subscribes to its Server-Sent
// Events stream (body data-events) and, on each message, writes the new
// values into the elements marked data-field inside each data-run /
// data-sweep element, redraws the figures when their files changed, and
// reloads when runs or figures appeared that the page does not show yet.
"use strict";

function fill(kind, values) {
	for (const el of document.querySelectorAll("[data-" + kind + "]")) {
		const fields = values[el.dataset[kind]];
		if (!fields) continue;
		for (const f of el.querySelectorAll("[data-field]")) {
			if (f.dataset.field in fields && f.closest("[data-" + kind + "]") === el) {
				f.textContent = fields[f.dataset.field];
			}
		}
		if (fields.status) el.dataset.status = fields.status;
	}
}

function shown(kind) {
	return new Set(Array.from(document.querySelectorAll("[data-" + kind + "]"), (el) => el.dataset[kind]));
}

function apply(u) {
	const body = document.body;
	const runs = shown("run"), sweeps = shown("sweep");
	const unseen = Object.keys(u.runs).some((id) => !runs.has(id)) || Object.keys(u.sweeps).some((id) => !sweeps.has(id));
	if ((body.dataset.page === "index" && unseen) || (u.figures !== undefined && u.figures !== body.dataset.figures)) {
		location.reload();
		return;
	}
	fill("run", u.runs);
	fill("sweep", u.sweeps);
	if (u.version && u.version !== body.dataset.version) {
		body.dataset.version = u.version;
		for (const img of document.querySelectorAll("img[data-figure]")) {
			img.src = img.dataset.figure + "&v=" + encodeURIComponent(u.version);
		}
	}
	body.dataset.updates = String(Number(body.dataset.updates) + 1);
}

function connect() {
	const live = document.getElementById("live");
	const source = new EventSource(document.body.dataset.events);
	source.onopen = () => { live.textContent = "live"; live.className = "live on"; };
	source.onerror = () => { live.textContent = "reconnecting…"; live.className = "live off"; };
	source.onmessage = (ev) => {
		apply(JSON.parse(ev.data));
		live.textContent = "live · updated " + new Date().toLocaleTimeString();
	};
}

if (window.EventSource && document.body.dataset.events) connect();

package plots

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"math"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/resexp/resexp/internal/runfiles"
)

// pngDPI is the resolution of PNG output: sharp on high-density screens and
// in print, still a few hundred kilobytes per figure.
const pngDPI = 150

// figure is one output file: its base name (without extension), a caption
// for index.html, its size and a function drawing it onto a canvas.
type figure struct {
	name    string
	caption string
	w, h    vg.Length
	draw    func(c draw.Canvas)
}

// newCanvas returns an empty canvas of size w × h for format png, svg or pdf.
func newCanvas(format string, w, h vg.Length) (vg.CanvasWriterTo, error) {
	switch format {
	case "png":
		return vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(pngDPI))}, nil
	case "svg":
		return vgsvg.New(w, h), nil
	case "pdf":
		return flippedImages{vgpdf.New(w, h)}, nil
	}
	return nil, fmt.Errorf("plots: unknown format %q (want png, svg or pdf)", format)
}

// write draws f and writes it atomically to outDir/<name>.<format>,
// returning the path.
func (f *figure) write(outDir, format string) (string, error) {
	path := filepath.Join(outDir, f.name+"."+format)
	data, err := f.encode(format)
	if err != nil {
		return "", fmt.Errorf("plots: %s: %w", path, err)
	}
	return path, runfiles.WriteFileAtomic(path, data)
}

// encode draws f and returns the bytes of the file in format (png, svg or
// pdf). A panic while drawing becomes an error naming the figure, so one bad
// figure cannot take the others down.
func (f *figure) encode(format string) (data []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("drawing %s: %v", f.name, r)
		}
	}()
	c, err := newCanvas(format, f.w, f.h)
	if err != nil {
		return nil, err
	}
	dc := draw.New(c)
	fillBackground(dc, color.White)
	f.draw(dc)
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("encoding %s: %w", f.name, err)
	}
	data = buf.Bytes()
	if format == "svg" {
		data = fixSVGImages(data)
	}
	return data, nil
}

// fixSVGImages corrects two things vgsvg does with embedded PNG images: it
// declares them "image/jpg", which some renderers refuse, and leaves the
// default preserveAspectRatio, with which conforming renderers letterbox an
// image into its rectangle instead of filling it (a colour bar, 1 pixel wide,
// becomes a hairline).
func fixSVGImages(svg []byte) []byte {
	svg = bytes.ReplaceAll(svg, []byte("data:image/jpg;base64,iVBOR"), []byte("data:image/png;base64,iVBOR"))
	return bytes.ReplaceAll(svg, []byte("<image "), []byte(`<image preserveAspectRatio="none" `))
}

// flippedImages works around vgpdf drawing images upside down (it flips the
// page's y axis but not the images): it flips every image before drawing.
type flippedImages struct{ *vgpdf.Canvas }

// DrawImage implements vg.Canvas.
func (c flippedImages) DrawImage(rect vg.Rectangle, img image.Image) {
	c.Canvas.DrawImage(rect, flipVertical(img))
}

// flipVertical returns a copy of img upside down.
func flipVertical(img image.Image) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			out.Set(x, b.Dy()-1-y, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}

func fillBackground(c draw.Canvas, col color.Color) {
	c.SetColor(col)
	c.Fill(c.Rectangle.Path())
}

// textStyle returns a plain text style of the given size in points.
func textStyle(size float64) text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    font.From(plot.DefaultFont, vg.Points(size)),
		Handler: plot.DefaultTextHandler,
	}
}

// withTitle draws title centred at the top of c and returns the rest of c.
func withTitle(c draw.Canvas, title string) draw.Canvas {
	sty := textStyle(13)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
	pad := vg.Points(6)
	c.FillText(sty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y - pad}, title)
	return draw.Crop(c, 0, 0, 0, -(sty.Height(title) + 2*pad))
}

// withLegend draws leg in a column at the right of c, top-aligned, and
// returns the rest of c, so the legend never covers data.
func withLegend(c draw.Canvas, leg plot.Legend) draw.Canvas {
	leg.Top, leg.Left = true, true
	pad := vg.Points(8)
	width := leg.Rectangle(c).Max.X - leg.Rectangle(c).Min.X + 2*pad
	col := draw.Crop(c, c.Max.X-c.Min.X-width+pad, -pad, 0, -vg.Points(24))
	leg.Draw(col)
	return draw.Crop(c, 0, -width, 0, 0)
}

// newLegend returns an empty legend with the package's text size.
func newLegend() plot.Legend {
	leg := plot.NewLegend()
	leg.TextStyle = textStyle(10)
	leg.ThumbnailWidth = vg.Points(28)
	leg.Padding = vg.Points(3)
	return leg
}

// newPlot returns a plot with the given title and axis labels, a light grid
// and the package's font sizes.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = vg.Points(10)
		a.Tick.Label.Font.Size = vg.Points(9)
	}
	p.X.Tick.Marker = niceTicks{Integer: true} // iterations, layer indices, ranks
	p.Y.Tick.Marker = niceTicks{}
	return p
}

// tile draws plots in a rows × cols grid over c with aligned data areas;
// nil entries leave their tile empty.
func tile(c draw.Canvas, plots [][]*plot.Plot) {
	t := draw.Tiles{Rows: len(plots), Cols: len(plots[0]), PadX: vg.Points(10), PadY: vg.Points(12),
		PadTop: vg.Points(2), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(4)}
	canvases := plot.Align(plots, t, c)
	for i, row := range plots {
		for j, p := range row {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}
}

// withYLabel draws label rotated at the left edge of c, centred vertically,
// and returns the rest of c. Figures use it instead of the axis label, whose
// layout gonum/plot computes wrongly on log axes (it reserves room as if the
// label stood at the arithmetic mid-range value), and so a row of panels
// shares one label.
func withYLabel(c draw.Canvas, label string) draw.Canvas {
	sty := textStyle(10)
	sty.Rotation = math.Pi / 2
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
	c.FillText(sty, vg.Point{X: c.Min.X + vg.Points(2), Y: (c.Min.Y + c.Max.Y) / 2}, label)
	return draw.Crop(c, sty.Height(label)+vg.Points(6), 0, 0, 0)
}

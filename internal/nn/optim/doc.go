// Package optim holds the optimiser and learning-rate schedules of the
// paper's recipe: SGD with momentum and weight decay, and multistep, cosine
// and warm-up schedules.
package optim

package hub

import "renkei/internal/problem"

// Problem and Problems are package problem's, named here for the code that
// still finds them in the hub.
type (
	Problem  = problem.Problem
	Problems = problem.Problems
)

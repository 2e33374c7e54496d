// Package sample is apicount's test fixture.
package sample

// T is exported, with one exported field and one method.
type T struct {
	Exported   int
	unexported int
}

// M is a method.
func (T) M() {}

func (T) m() {}

// I has one method.
type I interface{ Do() }

// F is a function.
func F() {}

func f() {}

// Values.
const (
	A = 1
	b = 2
)

var V, w = 1, 2

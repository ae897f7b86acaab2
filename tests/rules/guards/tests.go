// Annotated target for the tests pack's skips (Go), checked as `cart/cart_test.go`.
package cart

import (
	"runtime"
	"testing"
)

func TestTotal(t *testing.T) {
	if testing.Short() {
		// ok: tests/skipped-test
		t.Skip("slow")
	}
	t.Log(Total())
}

func TestFork(t *testing.T) {
	switch runtime.GOOS {
	case "windows":
		// ok: tests/skipped-test
		t.Skipf("no fork on %s", runtime.GOOS)
	}
	t.Log(Total())
}

func TestRefund(t *testing.T) {
	// ruleid: tests/skipped-test
	t.Skip("flaky on CI")
}

func TestLog(t *testing.T) {
	// ok: tests/skipped-test
	t.Log("call t.Skip() only behind testing.Short()")
}

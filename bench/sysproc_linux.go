package bench

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal makes the kernel stop the server if the benchmark
// dies without stopping it.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}

// libFuzzer's driver entry (compiler-rt, FuzzerInterface/FuzzerDriver.cpp). SwiftPM's debug
// builds link an executable with `main` defined as the module's entry function
// (`fuzz_<target>_main`), so that function runs libFuzzer through this call instead of
// libFuzzer's own `main`.
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

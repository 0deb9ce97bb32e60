/* Linux only: Debian trixie's swiftlang 6.0.3 ships libswiftObservation.so with an undefined
   reference to swift::threading::fatal(const char*, ...), which upstream links into the
   runtime statically; without it, nothing that imports Observation links. This defines it
   (in the test executable, where the dynamic linker finds it): print and abort, as the
   runtime's own does. Not built on Apple platforms. */
#if defined(__linux__)
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void _ZN5swift9threading5fatalEPKcz(const char *format, ...) {
    va_list args;
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    abort();
}
#endif

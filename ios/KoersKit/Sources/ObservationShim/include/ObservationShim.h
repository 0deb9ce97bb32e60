/* No API: this target only supplies a symbol (see shim.c). */

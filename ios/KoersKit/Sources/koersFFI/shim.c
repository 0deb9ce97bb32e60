/* SwiftPM needs one source file in a C target; the real content is the generated header
   include/koersFFI.h, whose functions live in libkoers_core (linked by KoersCore). */

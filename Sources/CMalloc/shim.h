// glibc's <malloc.h>, which Swift's Glibc module leaves out: malloc_trim, for PipelineRunner.
#include <malloc.h>

// libxml2 for Swift. Debian's headers pull in the system ICU, which clashes with Foundation's
// own ICU module ("'UErrorCode' has different definitions"): include the version header first
// and switch ICU off before anything else includes it.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlerror.h>

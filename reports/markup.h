// Escaping text for XML and HTML output (JUnit, the HTML report).
#ifndef CRASHLAB_REPORTS_MARKUP_H_
#define CRASHLAB_REPORTS_MARKUP_H_

#include <string>
#include <string_view>

namespace crashlab {

// Escapes & < > " ' and drops characters XML 1.0 forbids (control
// characters other than tab, newline and carriage return), which recovered
// garbage values can contain.
std::string XmlEscape(std::string_view text);

}  // namespace crashlab

#endif  // CRASHLAB_REPORTS_MARKUP_H_

"""Java semantics for template values: what the JVM under AppSync does with them.

Templates run on the JVM, so printing, comparing and regular expressions follow Java, not
Python. `lang` has `String.valueOf`, `equals`, `Double.toString`, number narrowing, class
names, whitespace and `hashCode`; `regex` has `java.util.regex` on top of Python's `re`.

Both the VTL engine (`app.templates.vtl`) and `$util` (`app.templates.util`) build on this
package; it depends on neither of them.
"""

import Mustache

/// Text templates (testbench skeletons, tool scripts) rendered with Mustache.
///
/// Each template is a `static let` string in this target; `render` fills it from a dictionary.
/// Use triple braces (`{{{x}}}`) in templates: the output is Verilog/Tcl, never HTML.
public enum Templates {
    /// Renders a template source with the given values. Template sources are compiled into
    /// the binary, so a parse failure is a programming error and traps with the template's text.
    public static func render(_ source: String, _ values: [String: Any]) -> String {
        do {
            return try MustacheTemplate(string: source).render(values)
        } catch {
            preconditionFailure("invalid built-in template: \(error)\n\(source)")
        }
    }
}

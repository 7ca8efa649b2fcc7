import Foundation

/// A scatter plot as SVG: cost on x, achieved GOPS on y, the Pareto front highlighted and joined.
enum ParetoPlot {
    /// `points`: (x, y, on the front, label shown as the point's tooltip).
    static func svg(_ points: [(x: Double, y: Double, front: Bool, label: String)], x xName: String, y yName: String,
                    title: String) -> String {
        let (w, h, left, right, top, bottom) = (720.0, 460.0, 80.0, 30.0, 40.0, 60.0)
        func range(_ v: [Double]) -> (Double, Double) {
            guard let lo = v.min(), let hi = v.max() else { return (0, 1) }
            let pad = hi > lo ? (hi - lo) * 0.08 : max(abs(hi) * 0.1, 1)
            return (max(0, lo - pad), hi + pad)
        }
        let (x0, x1) = range(points.map(\.x)), (y0, y1) = range(points.map(\.y))
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * (w - left - right) }
        func py(_ y: Double) -> Double { h - bottom - (y - y0) / (y1 - y0) * (h - top - bottom) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func tick(_ v: Double) -> String { abs(v) >= 100 ? String(format: "%.0f", v) : String(format: "%.3g", v) }
        let esc = SVGText.escape
        var s = SVGText.axes(width: w, height: h, left: left, right: right, top: top, bottom: bottom, title: title)
        for i in 0...5 {
            let xv = x0 + (x1 - x0) * Double(i) / 5, yv = y0 + (y1 - y0) * Double(i) / 5
            s += "<line x1=\"\(f(px(xv)))\" y1=\"\(f(h - bottom))\" x2=\"\(f(px(xv)))\" y2=\"\(f(h - bottom + 5))\" stroke=\"black\"/>"
            s += "<text x=\"\(f(px(xv)))\" y=\"\(f(h - bottom + 18))\" text-anchor=\"middle\">\(tick(xv))</text>\n"
            s += "<line x1=\"\(f(left - 5))\" y1=\"\(f(py(yv)))\" x2=\"\(f(left))\" y2=\"\(f(py(yv)))\" stroke=\"black\"/>"
            s += "<text x=\"\(f(left - 8))\" y=\"\(f(py(yv) + 4))\" text-anchor=\"end\">\(tick(yv))</text>\n"
        }
        s += "<text x=\"\(f((left + w - right) / 2))\" y=\"\(f(h - 18))\" text-anchor=\"middle\">\(esc(xName))</text>\n"
        s += "<text x=\"18\" y=\"\(f((top + h - bottom) / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(f((top + h - bottom) / 2)))\">\(esc(yName))</text>\n"
        let front = points.filter(\.front).sorted { $0.x < $1.x }
        if front.count > 1 {
            s += "<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"1.5\" points=\""
                + front.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ") + "\"/>\n"
        }
        for p in points.sorted(by: { !$0.front && $1.front }) {
            s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"\(p.front ? 5 : 4)\" fill=\"\(p.front ? "#d62728" : "#7f7f7f")\""
                + " fill-opacity=\"0.85\"><title>\(esc(p.label))</title></circle>\n"
        }
        s += "<text x=\"\(f(w - right))\" y=\"\(f(top + 4))\" text-anchor=\"end\" fill=\"#d62728\">● Pareto front (\(front.count))</text>\n"
        s += "<text x=\"\(f(w - right))\" y=\"\(f(top + 20))\" text-anchor=\"end\" fill=\"#7f7f7f\">● dominated (\(points.count - front.count))</text>\n"
        return s + "</svg>\n"
    }
}

/// Text inside SVG markup.
enum SVGText {
    /// An SVG's opening: size, white background, title, and the x and y axis lines of a plot
    /// area inset by the margins.
    static func axes(width w: Double, height h: Double, left: Double, right: Double, top: Double, bottom: Double, title: String) -> String {
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(w))" height="\(Int(h))" viewBox="0 0 \(Int(w)) \(Int(h))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(w / 2))" y="22" text-anchor="middle" font-size="14">\(escape(title))</text>
            <line x1="\(f(left))" y1="\(f(h - bottom))" x2="\(f(w - right))" y2="\(f(h - bottom))" stroke="black"/>
            <line x1="\(f(left))" y1="\(f(top))" x2="\(f(left))" y2="\(f(h - bottom))" stroke="black"/>

            """
    }

    /// `s` with `&`, `<` and `>` escaped.
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

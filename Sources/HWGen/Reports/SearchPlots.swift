import Foundation

/// A search's SVG plots: the scatter matrix of three objectives, and the convergence curve.
enum SearchPlots {
    static func f(_ v: Double) -> String { String(format: "%.1f", v) }
    static func tick(_ v: Double) -> String { abs(v) >= 100 ? String(format: "%.0f", v) : String(format: "%.3g", v) }

    /// The low and high end of an axis over `v`, padded.
    static func range(_ v: [Double]) -> (Double, Double) {
        guard let lo = v.min(), let hi = v.max() else { return (0, 1) }
        let pad = hi > lo ? (hi - lo) * 0.08 : max(abs(hi) * 0.1, 1)
        return (lo - pad, hi + pad)
    }

    /// Every pair of the three objectives in its own panel (row i plots objective i against
    /// column j's), the front's points in red; the diagonal names the objective and its range.
    static func scatterMatrix(_ points: [(values: [Double], front: Bool, label: String)], names: [String], title: String) -> String {
        let n = names.count, cell = 220.0, margin = 60.0, top = 40.0
        let size = margin + Double(n) * cell + 20
        let ranges = (0..<n).map { i in range(points.map { $0.values[i] }) }
        let esc = SVGText.escape
        var s = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(size))" height="\(Int(size + top))" viewBox="0 0 \(Int(size)) \(Int(size + top))" font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(size / 2))" y="22" text-anchor="middle" font-size="14">\(esc(title)): \(points.filter(\.front).count) on the Pareto front (red) of \(points.count)</text>

            """
        for row in 0..<n {
            for col in 0..<n {
                let x0 = margin + Double(col) * cell, y0 = top + Double(row) * cell
                s += "<rect x=\"\(f(x0 + 4))\" y=\"\(f(y0 + 4))\" width=\"\(f(cell - 8))\" height=\"\(f(cell - 8))\" fill=\"none\" stroke=\"#999\"/>\n"
                if row == col {
                    s += "<text x=\"\(f(x0 + cell / 2))\" y=\"\(f(y0 + cell / 2))\" text-anchor=\"middle\" font-size=\"13\">\(esc(names[row]))</text>\n"
                    s += "<text x=\"\(f(x0 + cell / 2))\" y=\"\(f(y0 + cell / 2 + 18))\" text-anchor=\"middle\">\(tick(ranges[row].0)) … \(tick(ranges[row].1))</text>\n"
                    continue
                }
                let (xl, xh) = ranges[col], (yl, yh) = ranges[row]
                func px(_ v: Double) -> Double { x0 + 8 + (v - xl) / (xh - xl) * (cell - 16) }
                func py(_ v: Double) -> Double { y0 + cell - 8 - (v - yl) / (yh - yl) * (cell - 16) }
                for p in points.sorted(by: { !$0.front && $1.front }) {
                    s += "<circle cx=\"\(f(px(p.values[col])))\" cy=\"\(f(py(p.values[row])))\" r=\"\(p.front ? 3.5 : 2.5)\" fill=\"\(p.front ? "#d62728" : "#7f7f7f")\""
                        + " fill-opacity=\"0.8\"><title>\(esc(p.label))</title></circle>\n"
                }
            }
        }
        return s + "</svg>\n"
    }

    /// Hypervolume of the front found against points evaluated.
    static func convergence(_ hv: [Double], title: String) -> String {
        let (w, h, left, right, top, bottom) = (720.0, 400.0, 80.0, 30.0, 40.0, 60.0)
        let n = max(hv.count, 1), ymax = max(hv.max() ?? 0, 1e-9) * 1.05
        func px(_ i: Int) -> Double { left + Double(i) / Double(n) * (w - left - right) }
        func py(_ v: Double) -> Double { h - bottom - v / ymax * (h - top - bottom) }
        var s = SVGText.axes(width: w, height: h, left: left, right: right, top: top, bottom: bottom, title: title)
        for i in 0...5 {
            let xv = Int((Double(n) * Double(i) / 5).rounded()), yv = ymax * Double(i) / 5
            s += "<text x=\"\(f(px(xv)))\" y=\"\(f(h - bottom + 18))\" text-anchor=\"middle\">\(xv)</text>\n"
            s += "<text x=\"\(f(left - 8))\" y=\"\(f(py(yv) + 4))\" text-anchor=\"end\">\(String(format: "%.3f", yv))</text>\n"
        }
        s += "<text x=\"\(f((left + w - right) / 2))\" y=\"\(f(h - 18))\" text-anchor=\"middle\">points evaluated</text>\n"
        s += "<text x=\"18\" y=\"\(f((top + h - bottom) / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(f((top + h - bottom) / 2)))\">hypervolume (normalized objectives, reference 1.1)</text>\n"
        s += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\""
            + hv.enumerated().map { "\(f(px($0.offset + 1))),\(f(py($0.element)))" }.joined(separator: " ") + "\"/>\n"
        return s + "</svg>\n"
    }
}

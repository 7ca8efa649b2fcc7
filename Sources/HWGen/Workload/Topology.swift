import Foundation

/// One layer of a network as the GEMM(s) it runs: `groups` GEMMs of M×K×N each.
public struct WorkloadLayer: Codable, Equatable, Sendable {
    public var name: String
    /// `conv`, `dwconv` (depthwise: one group per channel) or `gemm`.
    public var op: String
    public var m: Int
    public var k: Int
    public var n: Int
    public var groups: Int
    /// Multiply-accumulates of the layer: groups·M·K·N.
    public var macs: Int { groups * m * k * n }
}

/// Network descriptions HWGen reads: SCALE-Sim topology CSVs.
public enum Topology {
    /// Reads a SCALE-Sim conv topology (`Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter
    /// Width, Channels, Num Filter, Strides,`) or GEMM topology (`Layer, M, N, K,`), told apart by the
    /// header. A trailing comma is accepted. Convolutions map to GEMMs by im2col as SCALE-Sim does:
    /// OH = ⌈(IH − FH + S)/S⌉ (IH already includes padding), M = OH·OW·batch, K = FH·FW·C, N = filters;
    /// a layer whose name contains `DP` is depthwise, as in SCALE-Sim: C groups of M×FH·FW×filters
    /// (filters per channel: 1 for a true depthwise layer).
    /// Errors name the file, the row (1 = the header) and the column, exit 2.
    public static func load(csv path: String, batch: Int = 1) throws -> [WorkloadLayer] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw HWGenError.badInput("\(path): cannot read the file")
        }
        return try parse(csv: text, file: path, batch: batch)
    }

    static func parse(csv text: String, file: String, batch: Int = 1) throws -> [WorkloadLayer] {
        guard batch >= 1 else { throw HWGenError.badInput("--batch must be at least 1 (got \(batch))") }
        var rows = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { (number: $0.offset + 1, cells: cells($0.element)) }
        rows.removeAll { $0.cells.allSatisfy(\.isEmpty) }
        guard let header = rows.first else { throw HWGenError.badInput("\(file): empty file (allowed: a SCALE-Sim conv or GEMM topology CSV)") }
        let h = header.cells.map { $0.lowercased() }
        let conv = ["layer name", "ifmap height", "ifmap width", "filter height", "filter width", "channels", "num filter", "strides"]
        let gemm = ["layer", "m", "n", "k"]
        let isConv = h.count >= conv.count && Array(h.prefix(conv.count)) == conv
        let isGemm = !isConv && h.count >= gemm.count && Array(h.prefix(gemm.count)) == gemm
        guard isConv || isGemm else {
            throw HWGenError.badInput("\(file) row \(header.number): the header is '\(header.cells.joined(separator: ", "))' "
                + "(allowed: SCALE-Sim's conv header 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides' or GEMM header 'Layer, M, N, K')")
        }
        let columns = isConv ? ["Layer name", "IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width", "Channels", "Num Filter", "Strides"]
                             : ["Layer", "M", "N", "K"]
        var layers: [WorkloadLayer] = []
        for row in rows.dropFirst() {
            func fail(_ what: String) -> HWGenError { HWGenError.badInput("\(file) row \(row.number): \(what)") }
            guard row.cells.count >= columns.count else {
                throw fail("\(row.cells.count) columns, the header has \(columns.count) (missing: \(columns[row.cells.count...].joined(separator: ", ")))")
            }
            let name = row.cells[0]
            guard !name.isEmpty else { throw fail("empty \(columns[0])") }
            var v: [Int] = []
            for (i, col) in columns.enumerated().dropFirst() {
                guard let x = Int(row.cells[i]), x >= 1, x <= 1 << 24 else {
                    throw fail("\(col) is '\(row.cells[i])' (allowed: an integer 1...\(1 << 24))")
                }
                v.append(x)
            }
            if isGemm {
                // SCALE-Sim's GEMM rows: A is M×K, B is K×N.
                layers.append(WorkloadLayer(name: name, op: "gemm", m: v[0] * batch, k: v[2], n: v[1], groups: 1))
                continue
            }
            let (ih, iw, fh, fw, c, filters, s) = (v[0], v[1], v[2], v[3], v[4], v[5], v[6])
            guard fh <= ih, fw <= iw else {
                throw fail("the filter (\(fh)x\(fw)) is larger than the input (\(ih)x\(iw)); the IFMAP sizes include padding")
            }
            let oh = (ih - fh + s + s - 1) / s, ow = (iw - fw + s + s - 1) / s
            if name.contains("DP") {
                // SCALE-Sim runs a DP row as C one-channel layers of `Num Filter` filters each
                // (1 for a true depthwise layer).
                layers.append(WorkloadLayer(name: name, op: "dwconv", m: oh * ow * batch, k: fh * fw, n: filters, groups: c))
            } else {
                layers.append(WorkloadLayer(name: name, op: "conv", m: oh * ow * batch, k: fh * fw * c, n: filters, groups: 1))
            }
        }
        guard !layers.isEmpty else { throw HWGenError.badInput("\(file): no layers after the header") }
        return layers
    }

    /// The cells of a CSV line, trimmed; one trailing empty cell (a trailing comma) dropped.
    static func cells(_ line: Substring) -> [String] {
        var c = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        if c.count > 1, c.last == "" { c.removeLast() }
        return c
    }
}

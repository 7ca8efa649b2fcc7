/// A loop-nest computation: one multiply-accumulate `O[…] += X[…] * Y[…]` inside loops whose
/// bounds come from the workload, every tensor indexed by affine forms of the loop variables.

/// Why a loop nest or a space-time matrix is refused: one message, without the field path (the
/// spec loader adds the file and `dataflow.<field>`).
public struct LoopNestError: Error, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// An affine form Σ cₗ·loopₗ + c₀ of the loop variables.
public struct AffineExpr: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// One coefficient per loop, in the nest's loop order.
    public var coefficients: [Int]
    public var constant: Int
    /// The loop names, for printing.
    public let loops: [String]

    public init(coefficients: [Int], constant: Int = 0, loops: [String]) {
        self.coefficients = coefficients
        self.constant = constant
        self.loops = loops
    }

    /// The value at one iteration (one value per loop).
    public func value(_ point: [Int]) -> Int {
        zip(coefficients, point).reduce(constant) { $0 + $1.0 * $1.1 }
    }

    /// `2*oh+r`, `k`, `i-1`.
    public var description: String {
        var terms: [String] = []
        for (c, name) in zip(coefficients, loops) where c != 0 {
            let mag = abs(c) == 1 ? name : "\(abs(c))*\(name)"
            terms.append(terms.isEmpty ? (c < 0 ? "-" : "") + mag : (c < 0 ? "-" : "+") + mag)
        }
        if constant != 0 || terms.isEmpty { terms.append(terms.isEmpty || constant < 0 ? "\(constant)" : "+\(constant)") }
        return terms.joined()
    }

    /// Parses `2*oh+r`, `oh*2 + r - 1`, `k`: sums and differences of integers, loop names and
    /// products of an integer and a loop name.
    public static func parse(_ text: String, loops: [String]) throws -> AffineExpr {
        var e = AffineExpr(coefficients: Array(repeating: 0, count: loops.count), loops: loops)
        let s = text.filter { !$0.isWhitespace }
        guard !s.isEmpty else { throw LoopNestError("an empty index (allowed: an affine form of \(loops.joined(separator: ", ")), e.g. 2*\(loops[0])+1)") }
        var terms: [(sign: Int, text: Substring)] = []
        var sign = 1, start = s.startIndex, i = s.startIndex
        while i <= s.endIndex {
            if i == s.endIndex || ((s[i] == "+" || s[i] == "-") && i != start) {
                terms.append((sign, s[start..<i]))
                if i == s.endIndex { break }
                sign = s[i] == "-" ? -1 : 1
                start = s.index(after: i)
            } else if (s[i] == "+" || s[i] == "-") && i == start {
                sign *= s[i] == "-" ? -1 : 1
                start = s.index(after: i)
            }
            i = i == s.endIndex ? i : s.index(after: i)
        }
        for (sign, term) in terms {
            guard !term.isEmpty else { throw LoopNestError("'\(text)' has an operator without an operand") }
            var factor = sign, loop: Int? = nil
            for part in term.split(separator: "*", omittingEmptySubsequences: false) {
                if let v = Int(part) {
                    factor *= v
                } else if let l = loops.firstIndex(of: String(part)), loop == nil {
                    loop = l
                } else {
                    let what = loops.contains(String(part)) ? "a product of two loop variables is not affine"
                        : part.isEmpty ? "an operator without an operand" : "'\(part)' is not a loop"
                    throw LoopNestError("'\(text)': \(what) (allowed: integers, the loops \(loops.joined(separator: ", ")), and integer*loop, joined by + and -)")
                }
            }
            if let l = loop { e.coefficients[l] += factor } else { e.constant += factor }
        }
        return e
    }
}

/// A tensor and its indices, as the compute statement names it: `I[c][2*oh+r][2*ow+s]`.
public struct TensorAccess: Equatable, Sendable, CustomStringConvertible {
    public let name: String
    public let indices: [AffineExpr]

    public init(name: String, indices: [AffineExpr]) {
        self.name = name
        self.indices = indices
    }

    public var description: String { name + indices.map { "[\($0)]" }.joined() }

    /// Whether any index uses loop `l`.
    public func uses(_ l: Int) -> Bool { indices.contains { $0.coefficients[l] != 0 } }

    /// The element an iteration touches.
    public func element(_ point: [Int]) -> [Int] { indices.map { $0.value(point) } }
}

/// `O[…] += X[…] * Y[…]` inside `loops` (outermost first).
public struct LoopNest: Equatable, Sendable, CustomStringConvertible {
    public let loops: [String]
    public let output: TensorAccess
    /// The two factors: `a` feeds the MAC's `a` (`mac.a`), `b` its `b` (`mac.b`).
    public let a: TensorAccess
    public let b: TensorAccess

    /// Most loops a nest may have.
    public static let maxLoops = 8

    public var description: String { "\(output) += \(a) * \(b)" }

    public var tensors: [TensorAccess] { [output, a, b] }

    /// Parses `compute` over `loops`: checks the loop names (distinct identifiers), the statement's
    /// form, three distinct tensor names, and that every loop appears in some index.
    public static func parse(compute: String, loops: [String]) throws -> LoopNest {
        guard (1...maxLoops).contains(loops.count) else {
            throw LoopNestError("\(loops.count) loops (allowed: 1 to \(maxLoops) names)")
        }
        for l in loops where !isIdentifier(l) {
            throw LoopNestError("loop name '\(l)' is not an identifier (allowed: a letter or _ then letters, digits, _)")
        }
        if let d = loops.first(where: { l in loops.filter { $0 == l }.count > 1 }) { throw LoopNestError("loop '\(d)' appears twice") }
        let parts = split(compute, "+=")
        guard parts.count == 2 else {
            throw LoopNestError("'\(compute)' is not of the form O[..] += A[..] * B[..] (one '+=')")
        }
        // A factor's indices may hold products (2*oh): split at '*' outside brackets only.
        var operands: [String] = [], depth = 0, current = ""
        for ch in parts[1] {
            if ch == "[" { depth += 1 } else if ch == "]" { depth -= 1 }
            if ch == "*" && depth == 0 { operands.append(current); current = "" } else { current.append(ch) }
        }
        operands.append(current)
        guard operands.count == 2 else {
            throw LoopNestError("'\(compute)': the right side must be the product of two tensors, A[..] * B[..]")
        }
        let out = try access(parts[0], loops: loops)
        let x = try access(operands[0], loops: loops), y = try access(operands[1], loops: loops)
        let names = [out.name, x.name, y.name]
        guard Set(names).count == 3 else {
            throw LoopNestError("'\(compute)' names tensor \(names.first { n in names.filter { $0 == n }.count > 1 }!) twice (allowed: three different tensors)")
        }
        let nest = LoopNest(loops: loops, output: out, a: x, b: y)
        for l in loops.indices where !nest.tensors.contains(where: { $0.uses(l) }) {
            throw LoopNestError("loop '\(loops[l])' appears in no index of '\(compute)' (every loop must index a tensor)")
        }
        return nest
    }

    static func trim(_ s: String) -> String {
        String(s.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }

    /// `s` cut at every occurrence of `sep`.
    static func split(_ s: String, _ sep: String) -> [String] {
        var parts: [String] = [], rest = Substring(s)
        while let r = rest.firstRange(of: sep) {
            parts.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        return parts + [String(rest)]
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let f = s.first, f == "_" || (f.isASCII && f.isLetter) else { return false }
        return s.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }

    static func access(_ text: String, loops: [String]) throws -> TensorAccess {
        let s = trim(text)
        guard let open = s.firstIndex(of: "["), s.hasSuffix("]") else {
            throw LoopNestError("'\(s)' is not a tensor access such as A[i][k]")
        }
        let name = trim(String(s[..<open]))
        guard isIdentifier(name) else { throw LoopNestError("'\(name)' is not a tensor name (allowed: an identifier)") }
        guard !loops.contains(name) else { throw LoopNestError("tensor '\(name)' has the name of a loop") }
        let inner = s[s.index(after: open)..<s.index(before: s.endIndex)]
        let indices = split(String(inner), "][")
        guard !indices.contains(where: { $0.contains("[") || $0.contains("]") }) else {
            throw LoopNestError("'\(s)': indices must be written [e1][e2]…")
        }
        return TensorAccess(name: name, indices: try indices.map { try AffineExpr.parse($0, loops: loops) })
    }

    /// Each tensor's shape for loop bounds `bounds` (one per loop): the largest index + 1 per
    /// dimension. An index that can be negative is an error naming it.
    public func shapes(bounds: [Int]) throws -> [String: [Int]] {
        var shapes: [String: [Int]] = [:]
        for t in tensors {
            shapes[t.name] = try t.indices.map { e in
                let lo = zip(e.coefficients, bounds).reduce(e.constant) { $0 + min(0, $1.0 * ($1.1 - 1)) }
                let hi = zip(e.coefficients, bounds).reduce(e.constant) { $0 + max(0, $1.0 * ($1.1 - 1)) }
                guard lo >= 0 else { throw LoopNestError("index \(e) of \(t.name) reaches \(lo) (allowed: indices ≥ 0 for every iteration)") }
                return hi + 1
            }
        }
        return shapes
    }
}

/// Integer linear algebra for space-time matrices.
public enum IntLinear {
    /// The determinant (Bareiss' fraction-free elimination; exact for small integers).
    public static func determinant(_ m: [[Int]]) -> Int {
        let n = m.count
        guard n > 0 else { return 1 }
        var a = m, sign = 1, prev = 1
        for k in 0..<(n - 1) {
            if a[k][k] == 0 {
                guard let r = ((k + 1)..<n).first(where: { a[$0][k] != 0 }) else { return 0 }
                a.swapAt(k, r)
                sign = -sign
            }
            for i in (k + 1)..<n {
                for j in (k + 1)..<n { a[i][j] = (a[i][j] * a[k][k] - a[i][k] * a[k][j]) / prev }
            }
            prev = a[k][k]
        }
        return sign * a[n - 1][n - 1]
    }

    /// An integer basis of the null space {d : m·d = 0} of a matrix with `columns` columns (each
    /// vector divided by the gcd of its entries).
    public static func nullSpace(_ m: [[Int]], columns n: Int) -> [[Int]] {
        // Reduced row echelon form over the rationals, kept as integer rows scaled to clear fractions.
        var rows = m.filter { $0.contains { $0 != 0 } }
        var pivots: [Int] = []
        var r = 0
        for c in 0..<n where r < rows.count {
            guard let p = (r..<rows.count).first(where: { rows[$0][c] != 0 }) else { continue }
            rows.swapAt(r, p)
            for i in rows.indices where i != r && rows[i][c] != 0 {
                let (x, y) = (rows[r][c], rows[i][c])
                rows[i] = zip(rows[i], rows[r]).map { $0 * x - $1 * y }
                let g = rows[i].reduce(0) { gcd($0, $1) }
                if g > 1 { rows[i] = rows[i].map { $0 / g } }
            }
            pivots.append(c)
            r += 1
        }
        var basis: [[Int]] = []
        for free in 0..<n where !pivots.contains(free) {
            // d[free] = L (the lcm of the pivots), d[pivot_i] = −row_i[free]·L / row_i[pivot_i].
            let l = pivots.indices.reduce(1) { lcm($0, rows[$1][pivots[$1]]) }
            var d = Array(repeating: 0, count: n)
            d[free] = l
            for (i, p) in pivots.enumerated() { d[p] = -rows[i][free] * l / rows[i][p] }
            let g = d.reduce(0) { gcd($0, $1) }
            basis.append(g > 1 ? d.map { $0 / g } : d)
        }
        return basis
    }

    public static func gcd(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (abs(a), abs(b))
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }

    static func lcm(_ a: Int, _ b: Int) -> Int { abs(a) / gcd(a, b) * abs(b) }

    /// m·v.
    public static func apply(_ m: [[Int]], _ v: [Int]) -> [Int] {
        m.map { row in zip(row, v).reduce(0) { $0 + $1.0 * $1.1 } }
    }
}

/// A dense integer tensor, row-major.
public struct IntTensor: Equatable, Sendable {
    public let shape: [Int]
    public var values: [Int64]

    public init(shape: [Int], values: [Int64]) {
        precondition(values.count == shape.reduce(1, *), "IntTensor: \(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = values
    }

    /// All zeros.
    public init(zeros shape: [Int]) { self.init(shape: shape, values: Array(repeating: 0, count: shape.reduce(1, *))) }

    /// The row-major position of an element.
    public func offset(_ index: [Int]) -> Int { zip(index, shape).reduce(0) { $0 * $1.1 + $1.0 } }

    public subscript(_ index: [Int]) -> Int64 {
        get { values[offset(index)] }
        set { values[offset(index)] = newValue }
    }
}

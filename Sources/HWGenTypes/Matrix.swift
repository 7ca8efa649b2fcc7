/// A dense row-major matrix of integers (operands and results of a GEMM).
public struct IntMatrix: Equatable, Sendable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let cols: Int
    /// Row-major elements, `rows * cols` of them.
    public var data: [Int64]

    /// Creates a matrix; `data.count` must equal `rows * cols`.
    public init(rows: Int, cols: Int, data: [Int64]) {
        precondition(rows >= 0 && cols >= 0 && data.count == rows * cols, "IntMatrix shape mismatch")
        self.rows = rows
        self.cols = cols
        self.data = data
    }

    /// A zero matrix.
    public init(rows: Int, cols: Int) { self.init(rows: rows, cols: cols, data: Array(repeating: 0, count: rows * cols)) }

    /// Element at (r, c).
    public subscript(r: Int, c: Int) -> Int64 {
        get { data[r * cols + c] }
        set { data[r * cols + c] = newValue }
    }
}

import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

@Suite struct OperandsTests {
    static func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as HWGenError {
            #expect(error.status == .badInput)
            return error.message
        } catch {
            return "\(error)"
        }
    }

    static func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-ops-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    @Test func parsesGemmShapes() throws {
        #expect(try GemmShape.parse("37x100x21") == GemmShape(m: 37, k: 100, n: 21))
        #expect(try GemmShape.parse("1x1x1").description == "1x1x1")
        #expect(try GemmShape.parse("4096x1024x1024") == GemmShape(m: 4096, k: 1024, n: 1024))
    }

    @Test func gemmShapeErrors() {
        let cases = [
            "37x0x21": "K = 0 is out of range (allowed: 1...4096)",
            "4097x1x1": "M = 4097 is out of range (allowed: 1...4096)",
            "1x1x99999999999999999999999": "N = 99999999999999999999999 is out of range (allowed: 1...4096)",
            "4096x4096x1": "M*K = 16777216 is too large (allowed: at most 4194304)",
            "2048x1x4096": "M*N = 8388608 is too large (allowed: at most 4194304)",
            "1x2048x4096": "K*N = 8388608 is too large (allowed: at most 4194304)",
        ]
        for (input, problem) in cases {
            #expect(Self.message { _ = try GemmShape.parse(input) } == "--gemm: \"\(input)\": \(problem)")
        }
        for bad in ["", "37x100", "37x100x21x2", "37x-1x21", "37xx21", " 37x1x1", "a x b x c", "3.5x1x1", "+3x1x1", "３x1x1"] {
            #expect(Self.message { _ = try GemmShape.parse(bad) }
                    == "--gemm: \(bad.debugDescription): not of the form MxKxN (allowed: three positive integers, e.g. 37x100x21)")
        }
    }

    @Test func randomOperandsAreDeterministicAndShaped() {
        let mac = MACTypes(a: .s(8), b: .u(4), acc: .s(32))
        let shape = GemmShape(m: 5, k: 7, n: 3)
        let (a, b) = Operands.random(shape: shape, mac: mac, seed: 1)
        #expect(a.rows == 5 && a.cols == 7 && b.rows == 7 && b.cols == 3)
        #expect(Operands.random(shape: shape, mac: mac, seed: 1) == (a, b))
        #expect(Operands.random(shape: shape, mac: mac, seed: 2).a != a)
        // Pinned values: the generator must give the same stream everywhere.
        var rng = SplitMix64(state: 1234567)
        #expect([rng.next(), rng.next(), rng.next()] == [6457827717110365317, 3203168211198807973, 9817491932198370423])
        // A is drawn first, row-major, from the top bits of each draw; then B (values checked with a Python model).
        let pinned = Operands.random(shape: GemmShape(m: 2, k: 3, n: 2), mac: mac, seed: 0)
        #expect(pinned.a.data == [-30, 110, 6, -8, 27, 83] && pinned.b.data == [2, 12, 3, 15, 6, 12])
    }

    @Test(arguments: [HWType.s(8), .u(8), .s(4), .u(2), .s(16)])
    func randomOperandsCoverTheFullRange(type: HWType) throws {
        let mac = MACTypes(a: type, b: type, acc: .s(40))
        let (a, b) = Operands.random(shape: GemmShape(m: 64, k: 64, n: 64), mac: mac, seed: 7)
        let values = a.data + b.data
        #expect(values.allSatisfy(type.contains))
        let max = try #require(type.maxValue)
        if type.bits <= 8 {
            #expect(Set(values).count == 1 << type.bits, "every value of \(type), min and max included, appears in 8192 draws")
        } else {
            let span = Double(max - type.minValue)
            #expect(Double(values.min()! - type.minValue) < span / 500 && Double(max - values.max()!) < span / 500)
        }
    }

    @Test func loadsOperandFiles() throws {
        let dir = try Self.tempDir()
        let mac = MACTypes(a: .s(8), b: .u(8), acc: .s(32))
        let (a, b) = Operands.random(shape: GemmShape(m: 3, k: 4, n: 2), mac: mac, seed: 9)
        try Npy.writeMatrix(a, dtype: .int8, path: "\(dir)/A.npy")
        try Npy.writeMatrix(b, dtype: .int32, path: "\(dir)/B.npy")
        let loaded = try Operands.load(a: "\(dir)/A.npy", b: "\(dir)/B.npy", mac: mac)
        #expect(loaded.0 == a && loaded.1 == b)

        try Npy.writeMatrix(IntMatrix(rows: 37, cols: 100), dtype: .int8, path: "\(dir)/A.npy")
        try Npy.writeMatrix(IntMatrix(rows: 50, cols: 21), dtype: .int8, path: "\(dir)/B.npy")
        #expect(Self.message { _ = try Operands.load(a: "\(dir)/A.npy", b: "\(dir)/B.npy", mac: mac) }
                == "\(dir)/B.npy: shape (50, 21) does not match \(dir)/A.npy (37, 100): B must have 100 rows")

        try Npy.writeMatrix(IntMatrix(rows: 1, cols: 4097), dtype: .int8, path: "\(dir)/A.npy")
        #expect(Self.message { _ = try Operands.load(a: "\(dir)/A.npy", b: "\(dir)/B.npy", mac: mac) }
                == "\(dir)/A.npy: shape (1, 4097): K = 4097 is out of range (allowed: 1...4096)")

        try Npy.writeMatrix(IntMatrix(rows: 2048, cols: 1), dtype: .int8, path: "\(dir)/A.npy")
        try Npy.writeMatrix(IntMatrix(rows: 1, cols: 4096), dtype: .int8, path: "\(dir)/B.npy")
        #expect(Self.message { _ = try Operands.load(a: "\(dir)/A.npy", b: "\(dir)/B.npy", mac: mac) }
                == "\(dir)/B.npy: shape (1, 4096): M*N = 8388608 is too large (allowed: at most 4194304)")

        try Npy.writeMatrix(IntMatrix(rows: 2, cols: 2, data: [0, 0, 0, -1]), dtype: .int8, path: "\(dir)/B.npy")
        try Npy.writeMatrix(IntMatrix(rows: 2, cols: 2), dtype: .int8, path: "\(dir)/A.npy")
        #expect(Self.message { _ = try Operands.load(a: "\(dir)/A.npy", b: "\(dir)/B.npy", mac: mac) }
                == "\(dir)/B.npy: value -1 at [1, 1] does not fit u8 (allowed: 0...255)")
        #expect(Self.message { _ = try Operands.load(a: "\(dir)/none.npy", b: "\(dir)/B.npy", mac: mac) }
                == "\(dir)/none.npy: no such file")
    }
}

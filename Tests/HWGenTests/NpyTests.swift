import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

@Suite struct NpyTests {
    static func tempPath(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    /// A .npy file with the given header dict and raw data, written the way numpy lays it out.
    static func rawFile(_ dict: String, data: [UInt8] = [], name: String = "raw.npy") throws -> String {
        var header = Array(dict.utf8)
        header += Array(repeating: UInt8(ascii: " "), count: 63 - (10 + header.count) % 64) + [UInt8(ascii: "\n")]
        let bytes = Npy.magic + [1, 0, UInt8(header.count & 0xff), UInt8(header.count >> 8)] + header + data
        let path = try tempPath(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func badInput(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as HWGenError {
            #expect(!error.message.contains("\n"))
            return error.message
        } catch {
            return "\(error)"
        }
    }

    /// Values covering both ends of each dtype.
    static func sample(_ dtype: NpyDType, count: Int) -> [Int64] {
        let t = dtype.type
        let edges = [t.minValue, t.maxValue ?? 0, 0, 1, -1].filter(t.contains)
        return (0..<count).map { i in i < edges.count ? edges[i] : Int64(i * 37 % 101) - (t.signed ? 50 : 0) }
    }

    @Test(arguments: NpyDType.allCases)
    func roundTripsEveryDtype(dtype: NpyDType) throws {
        let path = try Self.tempPath("\(dtype).npy")
        for shape in [[3, 5], [7], [2, 1, 3], []] {
            let array = NpyArray(shape: shape, dtype: dtype, values: Self.sample(dtype, count: shape.reduce(1, *)))
            try Npy.write(array, path: path)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            let headerEnd = 10 + Int(bytes[8]) + Int(bytes[9]) << 8
            #expect(headerEnd % 64 == 0 && bytes[headerEnd - 1] == UInt8(ascii: "\n"))
            #expect(try Npy.read(path: path) == array)
        }
    }

    @Test func matrixRoundTripAndNumpyCrossCheck() throws {
        let m = IntMatrix(rows: 2, cols: 3, data: [-128, 127, 0, 5, -7, 1])
        let path = try Self.tempPath("m.npy")
        try Npy.writeMatrix(m, dtype: .int8, path: path)
        #expect(try Npy.readMatrix(path: path, role: "A", type: .s(8)) == m)

        // numpy reads what we write and we read what numpy writes, for every dtype.
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: FileManager.default.isExecutableFile) else {
            try Requires.skip("the numpy cross-check needs python3 (apt-get install -y python3 python3-numpy)")
        }
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        for dtype in NpyDType.allCases {
            try Npy.write(NpyArray(shape: [2, 3], dtype: dtype, values: Self.sample(dtype, count: 6)), path: "\(dir)/ours_\(dtype).npy")
        }
        let script = """
            import sys
            try:
                import numpy as np
            except ImportError:
                print("no numpy"); sys.exit(0)
            d = sys.argv[1]
            for t in ["int8", "uint8", "int16", "int32", "int64", "float16", "float32"]:
                a = np.load(f"{d}/ours_{t}.npy")
                assert a.dtype == np.dtype(t) and a.shape == (2, 3), (t, a.dtype, a.shape)
                bits = a.view({"float16": np.uint16, "float32": np.uint32}[t]) if t.startswith("float") else a
                print(t, *bits.flatten().tolist())
                np.save(f"{d}/theirs_{t}.npy", a.T.copy())
            np.save(f"{d}/fortran.npy", np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3)))
            np.save(f"{d}/float.npy", np.zeros((2, 2)))
            np.save(f"{d}/bool.npy", np.zeros((2, 2), dtype=bool))
            np.save(f"{d}/big.npy", np.zeros((2, 2), dtype=">i4"))
            print("ok")
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, dir]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        if output.hasPrefix("no numpy") {
            try Requires.skip("the numpy cross-check needs NumPy (apt-get install -y python3-numpy)")
        }
        #expect(output.hasSuffix("ok\n"), "\(output)")
        for dtype in NpyDType.allCases {
            let expected = Self.sample(dtype, count: 6)
            #expect(output.contains("\(dtype) " + expected.map(String.init).joined(separator: " ") + "\n"))
            let theirs = try Npy.read(path: "\(dir)/theirs_\(dtype).npy")
            #expect(theirs.shape == [3, 2] && theirs.dtype == dtype)
            #expect(theirs.values == [0, 3, 1, 4, 2, 5].map { expected[$0] })
        }
        #expect(Self.badInput { _ = try Npy.read(path: "\(dir)/fortran.npy") }?.contains("fortran_order is True") == true)
        #expect(Self.badInput { _ = try Npy.read(path: "\(dir)/float.npy") }?.contains("dtype '<f8' is not supported") == true)
        #expect(Self.badInput { _ = try Npy.read(path: "\(dir)/bool.npy") }?.contains("dtype '|b1' is not supported") == true)
        #expect(Self.badInput { _ = try Npy.read(path: "\(dir)/big.npy") }?.contains("dtype '>i4' is not supported") == true)
    }

    @Test func dtypeForType() {
        let cases: [(HWType, NpyDType)] = [(.s(8), .int8), (.u(8), .uint8), (.s(4), .int8), (.u(2), .uint8), (.u(7), .uint8), (.s(16), .int16),
                                           (.u(12), .int16), (.u(16), .int32), (.s(32), .int32), (.s(48), .int64), (.u(48), .int64)]
        for (type, dtype) in cases { #expect(Npy.dtype(for: type) == dtype, "\(type)") }
    }

    @Test func readMatrixErrors() throws {
        let rank3 = try Self.rawFile("{'descr': '<i4', 'fortran_order': False, 'shape': (3, 4, 5), }", data: .init(repeating: 0, count: 240))
        #expect(Self.badInput { _ = try Npy.readMatrix(path: rank3, role: "A", type: .s(8)) }
                == "\(rank3): shape (3, 4, 5) has rank 3 (allowed: a 2-D matrix)")
        let rank1 = try Self.rawFile("{'descr': '|i1', 'fortran_order': False, 'shape': (4,), }", data: [1, 2, 3, 4])
        #expect(Self.badInput { _ = try Npy.readMatrix(path: rank1, role: "A", type: .s(8)) }
                == "\(rank1): shape (4,) has rank 1 (allowed: a 2-D matrix)")
        let empty = try Self.rawFile("{'descr': '|i1', 'fortran_order': False, 'shape': (0, 4), }")
        #expect(Self.badInput { _ = try Npy.readMatrix(path: empty, role: "B", type: .s(8)) }
                == "\(empty): shape (0, 4) is empty (allowed: B with at least 1 row and 1 column)")

        let path = try Self.tempPath("A.npy")
        var m = IntMatrix(rows: 5, cols: 6)
        m[3, 4] = -129
        try Npy.writeMatrix(m, dtype: .int16, path: path)
        #expect(Self.badInput { _ = try Npy.readMatrix(path: path, role: "A", type: .s(8)) }
                == "\(path): value -129 at [3, 4] does not fit s8 (allowed: -128...127)")
        m[3, 4] = 16
        try Npy.writeMatrix(m, dtype: .int16, path: path)
        #expect(Self.badInput { _ = try Npy.readMatrix(path: path, role: "A", type: .u(4)) }
                == "\(path): value 16 at [3, 4] does not fit u4 (allowed: 0...15)")
        #expect(try Npy.readMatrix(path: path, role: "A", type: .u(5)) == m)
    }

    @Test func malformedFiles() throws {
        let allowed = "(allowed: int8 '|i1', uint8 '|u1', int16 '<i2', int32 '<i4', int64 '<i8', float16 '<f2', float32 '<f4')"
        let float = try Self.rawFile("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }", data: .init(repeating: 0, count: 8))
        #expect(Self.badInput { _ = try Npy.read(path: float) } == "\(float): dtype '<f8' is not supported \(allowed)")
        let structured = try Self.rawFile("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0])
        #expect(Self.badInput { _ = try Npy.read(path: structured) } == "\(structured): a structured dtype is not supported \(allowed)")
        let fortran = try Self.rawFile("{'descr': '<i2', 'fortran_order': True, 'shape': (1, 1), }", data: [0, 0])
        #expect(Self.badInput { _ = try Npy.read(path: fortran) }
                == "\(fortran): fortran_order is True (allowed: False, a C-order array; use numpy.ascontiguousarray)")
        let lessData = try Self.rawFile("{'descr': '<i4', 'fortran_order': False, 'shape': (3, 4), }", data: .init(repeating: 0, count: 20))
        #expect(Self.badInput { _ = try Npy.read(path: lessData) }
                == "\(lessData): truncated data: shape (3, 4) of int32 needs 12 × 4 bytes, the file has 20")
        let moreData = try Self.rawFile("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", data: [1, 2, 3])
        #expect(Self.badInput { _ = try Npy.read(path: moreData) }?.contains("1 unexpected bytes after the data") == true)
        let noShape = try Self.rawFile("{'descr': '<i4', 'fortran_order': False}")
        #expect(Self.badInput { _ = try Npy.read(path: noShape) }?.hasPrefix("\(noShape): malformed .npy header") == true)
        let negative = try Self.rawFile("{'descr': '<i4', 'fortran_order': False, 'shape': (-1, 2), }")
        #expect(Self.badInput { _ = try Npy.read(path: negative) }?.hasPrefix("\(negative): malformed .npy header") == true)
        let huge = try Self.rawFile("{'descr': '<i8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }")
        #expect(Self.badInput { _ = try Npy.read(path: huge) } == "\(huge): shape (4294967296, 4294967296, 4294967296) is too large")

        // Every truncation of a good file is rejected cleanly.
        let good = try Self.tempPath("good.npy")
        try Npy.write(NpyArray(shape: [2, 2], dtype: .int16, values: [1, 2, 3, 4]), path: good)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let cut = try Self.tempPath("cut.npy")
        for length in 0..<bytes.count {
            try bytes.prefix(length).write(to: URL(fileURLWithPath: cut))
            let message = try #require(Self.badInput { _ = try Npy.read(path: cut) })
            #expect(message.hasPrefix("\(cut): "))
            #expect(message.contains(length < 6 ? "not a .npy file" : "truncated"), "\(length): \(message)")
        }
        var v9 = bytes
        v9[6] = 9
        try v9.write(to: URL(fileURLWithPath: cut))
        #expect(Self.badInput { _ = try Npy.read(path: cut) } == "\(cut): unsupported .npy format version 9.0 (allowed: 1.0, 2.0, 3.0)")
        let missing = try Self.tempPath("missing.npy")
        #expect(Self.badInput { _ = try Npy.read(path: missing) } == "\(missing): no such file")
    }

    /// Random byte changes to a good file never trap: they decode or throw a bad-input error.
    @Test func mutatedFilesNeverCrash() throws {
        let path = try Self.tempPath("fuzz.npy")
        try Npy.write(NpyArray(shape: [3, 2], dtype: .int32, values: [1, 2, 3, 4, 5, 6]), path: path)
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var rng = SplitMix64(state: 3)
        let pool = Array("{}()[]',: 0123456789-TrueFalse<>|iuf\n".utf8) + [0, 0x80, 0xff]
        for _ in 0..<2000 {
            var bytes = good
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let i = Int(rng.next() % UInt64(bytes.count))
                bytes[i] = rng.next() % 4 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : pool[Int(rng.next() % UInt64(pool.count))]
            }
            do {
                _ = try Npy.decode(bytes, source: "f.npy")
            } catch let error as HWGenError {
                #expect(error.message.hasPrefix("f.npy: ") && !error.message.contains("\n"), "\(error.message)")
            }
        }
    }

    @Test func readsVersion2Headers() throws {
        let dict = Array("{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }".utf8)
        let header = dict + Array(repeating: UInt8(ascii: " "), count: 63 - (12 + dict.count) % 64) + [UInt8(ascii: "\n")]
        let bytes = Npy.magic + [2, 0, UInt8(header.count), 0, 0, 0] + header + [0xff, 0xff, 0x02, 0x01]
        #expect(try Npy.decode(bytes, source: "v2.npy") == NpyArray(shape: [2], dtype: .int16, values: [-1, 0x0102]))
    }

    @Test func writeRejectsBadArrays() throws {
        let path = try Self.tempPath("w.npy")
        #expect(Self.badInput { try Npy.write(NpyArray(shape: [2, 2], dtype: .int8, values: [1]), path: path) }
                == "\(path): shape (2, 2) does not match 1 values")
        #expect(Self.badInput { try Npy.write(NpyArray(shape: [2], dtype: .uint8, values: [1, 256]), path: path) }
                == "\(path): value 256 at index 1 does not fit uint8")
    }
}

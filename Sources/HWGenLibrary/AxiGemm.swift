import Foundation
import HWGenTypes
import HWGenCore
import HWGenGolden

/// A GEMM engine behind AXI (`gemm.interface: axi`): AXI4-Lite control registers, AXI4-Stream
/// slaves for A and B into the buffers, an AXI4-Stream master for C out of them. The engine
/// itself is the child module `<name>_core`; ``registers`` is the map (also in the module's
/// header comment and in `hwgen emit --docs`).
///
/// AXI4-Lite: a write is taken when AWVALID and WVALID are both high (AWREADY = WREADY = that,
/// while no response is pending), honouring WSTRB byte by byte; a read when ARVALID is high and no
/// read data is pending. An unaligned or unmapped address answers SLVERR and changes nothing.
/// Streams: every A (B) beat is one buffer line, written at A_ADDR (B_ADDR), which then advances
/// by one; TREADY is always high. C: writing CONTROL.C_READ streams C_COUNT lines from C_ADDR,
/// TLAST on the last, one line per three cycles while TREADY is high (the buffer read takes two).
public struct AxiGemm: Sendable {
    public let core: GemmEngine

    /// One register: byte offset, access, the bits used and what they mean.
    public struct RegisterInfo: Sendable {
        public let offset: Int
        public let name: String
        public let access: String
        public let bits: String
        public let meaning: String
    }

    var perColumn: Bool { core.epilogue?.perColumn == true }

    /// The register map (32-bit registers, byte offsets).
    public var registers: [RegisterInfo] {
        let (a, b, c) = (addressBits(core.aDepth), addressBits(core.bDepth), addressBits(core.cDepth))
        var r = [
            RegisterInfo(offset: 0x00, name: "CONTROL", access: "W", bits: "1:0",
                     meaning: "bit 0 START: run the GEMM on the loaded buffers (ignored while busy); bit 1 C_READ: stream C_COUNT lines of C from C_ADDR on m_axis_c"),
            RegisterInfo(offset: 0x04, name: "STATUS", access: "R", bits: "2:0",
                     meaning: "bit 0 BUSY (the engine runs), bit 1 DONE (the last run finished; cleared by START), bit 2 C_STREAMING"),
            RegisterInfo(offset: 0x08, name: "DIM_MK", access: "RW", bits: "31:0", meaning: "M in bits 15:0, K in bits 31:16 (taken by START)"),
            RegisterInfo(offset: 0x0C, name: "DIM_N", access: "RW", bits: "15:0", meaning: "N (taken by START)"),
            RegisterInfo(offset: 0x10, name: "A_ADDR", access: "RW", bits: "\(a - 1):0",
                     meaning: "A buffer line the next s_axis_a beat is written to; advances by one per beat"),
            RegisterInfo(offset: 0x14, name: "B_ADDR", access: "RW", bits: "\(b - 1):0",
                     meaning: "B buffer line the next s_axis_b beat is written to; advances by one per beat"),
            RegisterInfo(offset: 0x18, name: "C_ADDR", access: "RW", bits: "\(c - 1):0", meaning: "first C buffer line C_READ streams"),
            RegisterInfo(offset: 0x1C, name: "C_COUNT", access: "RW", bits: "\(c):0", meaning: "C lines C_READ streams (TLAST on the last)"),
            RegisterInfo(offset: 0x20, name: "CYCLES", access: "R", bits: "31:0",
                     meaning: "cycles of the last run, from the cycle the engine took START to the cycle it raised done"),
        ]
        if perColumn {
            let t = bitsFor(core.columnTableDepth - 1)
            r += [RegisterInfo(offset: 0x24, name: "EP_INDEX", access: "RW", bits: "\(t - 1):0",
                           meaning: "column whose epilogue scale EP_SHIFT writes; advances by one per write"),
                  RegisterInfo(offset: 0x28, name: "EP_MULT", access: "RW", bits: "30:0", meaning: "multiplier M of that column (written with EP_SHIFT)"),
                  RegisterInfo(offset: 0x2C, name: "EP_SHIFT", access: "W", bits: "5:0",
                           meaning: "shift n of that column: writes {EP_MULT, n} into the column's entry")]
        } else if let e = core.epilogue {
            r += [RegisterInfo(offset: 0x28, name: "EP_MULT", access: "R", bits: "30:0", meaning: "the epilogue's multiplier M (\(e.multiplier), built in)"),
                  RegisterInfo(offset: 0x2C, name: "EP_SHIFT", access: "R", bits: "5:0", meaning: "the epilogue's shift n (\(e.shift), built in)")]
        }
        return r
    }

    /// The byte offset of register `name` (the map is the one place offsets are written).
    func at(_ name: String) -> Int {
        guard let r = registers.first(where: { $0.name == name }) else { preconditionFailure("no AXI register \(name)") }
        return r.offset
    }

    /// Width of a buffer line address (the core's `a_waddr`, `b_waddr`, `c_raddr`).
    func addressBits(_ depth: Int) -> Int { max(1, depth.trailingZeroBitCount) }

    /// The register map as Markdown (`hwgen emit --docs`).
    public func markdown(name: String) -> String {
        var s = "# \(name): AXI register map\n\n## Registers\n\n\(core.array.summary) with buffers behind AXI4-Lite control and AXI4-Stream data; 32-bit registers at byte offsets.\n\n"
        s += "| offset | register | access | bits | meaning |\n|---|---|---|---|---|\n"
        for r in registers { s += "| 0x\(String(format: "%02X", r.offset)) | \(r.name) | \(r.access) | \(r.bits) | \(r.meaning) |\n" }
        s += "\nStreams: s_axis_a (\(core.aBanks * core.aWordType.bits)-bit TDATA: one A buffer line), "
            + "s_axis_b (\(core.bBanks * core.bWordType.bits)-bit: one B line), "
            + "m_axis_c (\(core.cBanks * resultBits)-bit: one C line, TLAST on the last)."
            + "\n\nUse: write A and B lines (A_ADDR, B_ADDR, then the streams), DIM_MK and DIM_N, CONTROL.START; poll STATUS.DONE; "
            + "set C_ADDR and C_COUNT, write CONTROL.C_READ and take C from m_axis_c. Unaligned or unmapped addresses answer SLVERR.\n"
        return s
    }

    var resultBits: Int { core.epilogue?.out.bits ?? core.types.acc.bits }

    public func module(name: String, origin: String? = nil) -> Module {
        let g = core
        let coreModule = g.module(name: "\(name)_core", origin: nil)
        let (aBits, bBits, cBits) = (addressBits(g.aDepth), addressBits(g.bDepth), addressBits(g.cDepth))
        let map = registers
        let width = map.map(\.name.count).max() ?? 0
        let doc = "\(g.array.summary) with A/B/C buffers behind AXI4-Lite control and AXI4-Stream data.\n\nRegisters (32 bits, byte offsets):\n"
            + map.map { r in
                "  0x\(String(format: "%02X", r.offset))  \(r.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(r.access.padding(toLength: 2, withPad: " ", startingAt: 0))  [\(r.bits)]  \(r.meaning)"
            }.joined(separator: "\n")
        var top = Module(name, doc: doc) { m in
            let awaddr = m.input("s_axil_awaddr", .u(8)), awvalid = m.input("s_axil_awvalid", .bit)
            let wdata = m.input("s_axil_wdata", .u(32)), wstrb = m.input("s_axil_wstrb", .u(4)), wvalid = m.input("s_axil_wvalid", .bit)
            let bready = m.input("s_axil_bready", .bit)
            let araddr = m.input("s_axil_araddr", .u(8)), arvalid = m.input("s_axil_arvalid", .bit), rready = m.input("s_axil_rready", .bit)
            let aData = m.input("s_axis_a_tdata", .u(g.aBanks * g.aWordType.bits)), aValid = m.input("s_axis_a_tvalid", .bit)
            let bData = m.input("s_axis_b_tdata", .u(g.bBanks * g.bWordType.bits)), bValid = m.input("s_axis_b_tvalid", .bit)
            let cReady = m.input("m_axis_c_tready", .bit)

            // AXI4-Lite write channel: one write when address and data are both there.
            let bvalid = m.register("bvalid", .bit, reset: 0), bresp = m.register("bresp", .u(2), reset: 0)
            let write = m.wire("write", awvalid & wvalid & ~bvalid.value)
            let known = Set(map.filter { $0.access.contains("W") }.map(\.offset))
            let wIndex = awaddr.bits(7, 2), wAligned = awaddr.bits(1, 0) == 0
            var selects: [Int: Value] = [:]
            /// High in the cycle a write to the register at `offset` is taken (one wire per register).
            func writes(_ offset: Int) -> Value {
                if let w = selects[offset] { return w }
                let name = map.first { $0.offset == offset }?.name.lowercased() ?? "\(offset)"
                let w = m.wire("write_\(name)", write & wAligned & (wIndex == offset / 4))
                selects[offset] = w
                return w
            }
            let wOK = m.wire("write_ok", wAligned & known.sorted().map { wIndex == $0 / 4 }.reduce(Value.constant(0, .bit), |))
            bvalid.next(write | (bvalid.value & ~bready))
            bresp.next(wOK.select(Value.constant(0, .u(2)), Value.constant(2, .u(2))), enable: write)
            /// `old` with the bytes WSTRB selects replaced by WDATA's (bits beyond `old` dropped).
            func strobed(_ old: Value, from lo: Int = 0) -> Value {
                let w = old.type.bits
                var parts: [Value] = []
                var bit = 0
                while bit < w {
                    let n = min(8 - (bit + lo) % 8, w - bit), byte = (bit + lo) / 8
                    parts.append(wstrb[byte].select(wdata.bits(bit + lo + n - 1, bit + lo), old.bits(bit + n - 1, bit)))
                    bit += n
                }
                return concat(parts.reversed())
            }
            func field(_ name: String, _ bits: Int, at offset: Int, from lo: Int = 0) -> Reg {
                let r = m.register(name, .u(bits), reset: 0)
                r.next(strobed(r.value, from: lo), enable: writes(offset))
                return r
            }
            let dimM = field("dim_m", 16, at: at("DIM_MK")), dimK = field("dim_k", 16, at: at("DIM_MK"), from: 16), dimN = field("dim_n", 16, at: at("DIM_N"))
            let cAddr = field("c_addr", cBits, at: at("C_ADDR")), cCount = field("c_count", cBits + 1, at: at("C_COUNT"))
            let control = writes(at("CONTROL"))
            let startCmd = m.wire("start_cmd", control & wstrb[0] & wdata[0]), readCmd = m.wire("read_cmd", control & wstrb[0] & wdata[1])

            // Streams into the buffers: a beat per cycle at the line pointers.
            let aPtr = m.register("a_ptr", .u(aBits), reset: 0), bPtr = m.register("b_ptr", .u(bBits), reset: 0)
            aPtr.next(writes(at("A_ADDR")).select(strobed(aPtr.value), (aPtr + 1).wrapped(to: aPtr.type)), enable: writes(at("A_ADDR")) | aValid)
            bPtr.next(writes(at("B_ADDR")).select(strobed(bPtr.value), (bPtr + 1).wrapped(to: bPtr.type)), enable: writes(at("B_ADDR")) | bValid)

            // Start, status and the cycle counter.
            let start = m.register("start_q", .bit, reset: 0)
            start.next(startCmd)
            var ports: [String: any HWValue] = [
                "start": start, "cfg_m": dimM, "cfg_k": dimK, "cfg_n": dimN,
                "a_we": aValid, "a_waddr": aPtr, "a_wdata": aData, "b_we": bValid, "b_waddr": bPtr, "b_wdata": bData,
            ]
            var epRegisters: (index: Reg, mult: Reg)? = nil
            if perColumn {
                let t = bitsFor(g.columnTableDepth - 1)
                let index = m.register("ep_index", .u(t), reset: 0), mult = field("ep_mult", 31, at: at("EP_MULT"))
                let commit = m.wire("ep_commit", writes(at("EP_SHIFT")) & wstrb[0])
                index.next(writes(at("EP_INDEX")).select(strobed(index.value), (index + 1).wrapped(to: index.type)), enable: writes(at("EP_INDEX")) | commit)
                ports["ep_we"] = commit
                ports["ep_waddr"] = index
                ports["ep_wmult"] = mult
                ports["ep_wshift"] = wdata.bits(5, 0)
                epRegisters = (index, mult)
            }
            // C out: C_READ loads the line pointer and count; each line is read (two cycles), offered, taken.
            let cPtr = m.register("c_ptr", .u(cBits), reset: 0), cLeft = m.register("c_left", .u(cBits + 1), reset: 0)
            let cState = m.register("c_state", .u(2), reset: 0)   // 0 idle, 1 and 2 reading, 3 offering
            let offering = m.wire("c_offering", cState == 3)
            let taken = m.wire("c_taken", offering & cReady)
            let last = m.wire("c_last", cLeft == 1)
            ports["c_raddr"] = cPtr
            let out = m.instance(coreModule, "core", ports)
            let running = m.register("running", .bit, reset: 0), cycles = m.register("cycles", .u(32), reset: 0)
            let done = m.register("done_flag", .bit, reset: 0)
            running.next(start.value | (running.value & ~out["done"]))
            cycles.next(start.value.select(Value.constant(1, .u(32)), (cycles + 1).wrapped(to: .u(32))), enable: start.value | (running.value & ~out["done"]))
            done.next(startCmd.select(Value.constant(0, .bit), done.value | out["done"]))
            let idle = cState == 0
            cPtr.next((readCmd & idle).select(cAddr.value, (cPtr + 1).wrapped(to: cPtr.type)), enable: (readCmd & idle) | (taken & ~last))
            cLeft.next((readCmd & idle).select(cCount.value, (cLeft - 1).wrapped(to: cLeft.type)), enable: (readCmd & idle) | taken)
            let begin = m.wire("c_begin", readCmd & idle & (cCount.value != 0))
            cState.next(begin.select(Value.constant(1, .u(2)),
                        taken.select(last.select(Value.constant(0, .u(2)), Value.constant(1, .u(2))),
                                     (cState == 1).select(Value.constant(2, .u(2)), (cState == 2).select(Value.constant(3, .u(2)), cState.value)))))

            // AXI4-Lite read channel: the register at ARADDR, one cycle later.
            let rvalid = m.register("rvalid", .bit, reset: 0), rdata = m.register("rdata", .u(32), reset: 0), rresp = m.register("rresp", .u(2), reset: 0)
            let read = m.wire("read", arvalid & ~rvalid.value)
            let rIndex = araddr.bits(7, 2), rAligned = araddr.bits(1, 0) == 0
            func word(_ v: some HWValue) -> Value { v.value.type.bits == 32 ? v.value.asUnsigned : v.value.asUnsigned.extended(to: .u(32)) }
            var readable: [(Int, Value)] = [
                (at("STATUS"), word(concat([cState.value != 0, done.value, out["busy"]]))), (at("DIM_MK"), word(concat([dimK.value, dimM.value]))),
                (at("DIM_N"), word(dimN)), (at("A_ADDR"), word(aPtr)), (at("B_ADDR"), word(bPtr)), (at("C_ADDR"), word(cAddr)), (at("C_COUNT"), word(cCount)), (at("CYCLES"), word(cycles)),
            ]
            if let ep = epRegisters { readable += [(at("EP_INDEX"), word(ep.index)), (at("EP_MULT"), word(ep.mult))] }
            else if let e = g.epilogue {
                readable += [(at("EP_MULT"), Value.constant(Int64(e.multiplier), .u(32))), (at("EP_SHIFT"), Value.constant(Int64(e.shift), .u(32)))]
            }
            let rOK = m.wire("read_ok", rAligned & readable.map { rIndex == $0.0 / 4 }.reduce(Value.constant(0, .bit), |))
            let value = readable.reversed().reduce(Value.constant(0, .u(32))) { rest, r in (rIndex == r.0 / 4).select(r.1, rest) }
            rdata.next(rOK.select(value, Value.constant(0, .u(32))), enable: read)
            rresp.next(rOK.select(Value.constant(0, .u(2)), Value.constant(2, .u(2))), enable: read)
            rvalid.next(read | (rvalid.value & ~rready))

            m.output("s_axil_awready", write)
            m.output("s_axil_wready", write)
            m.output("s_axil_bvalid", bvalid)
            m.output("s_axil_bresp", bresp)
            m.output("s_axil_arready", ~rvalid.value)
            m.output("s_axil_rvalid", rvalid)
            m.output("s_axil_rdata", rdata)
            m.output("s_axil_rresp", rresp)
            m.output("s_axis_a_tready", Value.constant(1, .bit))
            m.output("s_axis_b_tready", Value.constant(1, .bit))
            m.output("m_axis_c_tdata", out["c_rdata"])
            m.output("m_axis_c_tvalid", offering)
            m.output("m_axis_c_tlast", offering & last)
        }
        top.origin = origin
        return top
    }
}

import HWGenTypes
import HWGenCore

/// One buffer bank of a GEMM engine as a memory macro: `words` words of `bits` bits, one write
/// port and one registered read port with a read enable (a two-port SRAM, 1W + 1R).
///
/// Ports: `we`, `waddr`, `wdata` (written at the clock edge when `we`); `re`, `raddr`, and `rdata`,
/// which holds `mem[raddr]` from the edge at which `re` was high until the next such edge. The
/// module is marked ``Module/isMemoryMacro``: ASIC synthesis keeps it as a black box with a cell
/// from the SRAM compiler's model; simulation and FPGA synthesis use this body.
public struct SRAMBank: Hashable, Sendable {
    /// The design the bank belongs to (module names are per design, like every submodule).
    public let design: String
    /// Words (a power of two) and bits per word.
    public let words: Int
    public let bits: Int

    public init(design: String, words: Int, bits: Int) {
        self.design = design
        self.words = words
        self.bits = bits
    }

    /// Address bits.
    public var addressBits: Int { max(1, bitsFor(words - 1)) }

    /// `<design>_sram_<words>x<bits>`.
    public var name: String { "\(design)_sram_\(words)x\(bits)" }

    public var module: Module {
        var module = Module(name, doc: "\(words)x\(bits) two-port memory (1W + 1R, registered read with enable): a memory macro in ASIC flows.") { m in
            let we = m.input("we", .bit), waddr = m.input("waddr", .u(addressBits)), wdata = m.input("wdata", .u(bits))
            let re = m.input("re", .bit), raddr = m.input("raddr", .u(addressBits))
            let mem = m.memory("mem", .u(bits), depth: words)
            mem.write(waddr, wdata, enable: we)
            let q = m.register("rdata", .u(bits), reset: nil)
            q.next(mem[raddr], enable: re)
            m.output("rdata", q)
        }
        module.isMemoryMacro = true
        return module
    }
}

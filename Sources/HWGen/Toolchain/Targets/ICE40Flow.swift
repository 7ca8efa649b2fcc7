extension NextpnrFlow {
    /// `--target ice40`: Lattice iCE40 UP5K (sg48), `synth_ice40 -dsp` + `nextpnr-ice40`.
    static let ice40 = NextpnrFlow(
        target: .ice40, yosys: ("yosys", "yosys", false), nextpnr: ("nextpnr-ice40", "nextpnr-ice40", false),
        synth: { top, json in "synth_ice40 -dsp -top \(top) -json \(json)" }, partArguments: ["--up5k", "--package", "sg48"],
        lutCell: "ICESTORM_LC", dspCell: "ICESTORM_DSP", ramCells: ["ICESTORM_RAM", "ICESTORM_SPRAM"], flipFlopCell: nil,
        dspTitle: "DSPs",
        withoutDSPs: ({ top, json in "synth_ice40 -top \(top) -json \(json)" },
                      note: "Yosys 0.23 crashed in synth_ice40 -dsp (ice40_dsp pass, log yosys-dsp-crash.log): mapped without DSPs"))
}

extension Templates {
    /// Yosys script: generic synthesis, OSU018-style mapping with a delay-driven ABC script, area report.
    ///
    /// Values: `files` (list of `{path, sv}`; `sv` adds `-sv`), `blackboxes` (list of `{name}`:
    /// memory macros, kept as instances), `top`, `liberty`,
    /// `delayPS` (ABC delay target, the clock period in ps), `netlist` (output path), `topo`
    /// (a retry only: `topo` before `buffer -p`, see ``ASICSynthesis``).
    /// `abc -D` alone does not buffer high fanout in Yosys 0.23, hence the explicit script.
    /// `-simple-lhs` is required: OpenSTA 2019 cannot parse concatenations left of `assign`.
    public static let yosysASIC: String = """
        {{#files}}
        read_verilog {{#sv}}-sv {{/sv}}"{{{path}}}"
        {{/files}}
        {{#blackboxes}}
        blackbox {{{name}}}
        {{/blackboxes}}
        {{#params}}
        chparam -set {{{name}}} {{{value}}} {{{top}}}
        {{/params}}
        synth -flatten -top {{{top}}}
        {{#renameTop}}
        rename -top {{{top}}}
        {{/renameTop}}
        dfflibmap -liberty "{{{liberty}}}"
        abc -liberty "{{{liberty}}}" -script +strash;dch;map,-D,{{{delayPS}}};{{#topo}}topo;{{/topo}}buffer,-p;upsize,-D,{{{delayPS}}};dnsize,-D,{{{delayPS}}};stime,-p
        opt_clean -purge
        stat -liberty "{{{liberty}}}"
        write_verilog -noattr -simple-lhs "{{{netlist}}}"

        """

    /// OpenSTA (2019) Tcl: setup timing of a mapped netlist against one clock named `clk`.
    ///
    /// Values: `liberty`, `macroLiberty` (optional: the memory macros' cells), `netlist`, `top`, `periodNS` (paths are double-quoted: no `$`, `[`, `"`).
    /// The clock is put on port `clk` when the
    /// top has one; a purely combinational top gets a virtual clock, so input→output paths are
    /// timed against the same period. All I/O delays are 0.
    public static let openSTA: String = """
        read_liberty "{{{liberty}}}"
        {{#macroLiberty}}
        read_liberty "{{{macroLiberty}}}"
        {{/macroLiberty}}
        read_verilog "{{{netlist}}}"
        link_design {{{top}}}
        set clk_ports [get_ports -quiet clk]
        if {[llength $clk_ports] > 0} {
          create_clock -name clk -period {{{periodNS}}} $clk_ports
          set_input_delay 0 -clock clk [delete_from_list [all_inputs] $clk_ports]
        } else {
          create_clock -name clk -period {{{periodNS}}}
          set_input_delay 0 -clock clk [all_inputs]
        }
        set_output_delay 0 -clock clk [all_outputs]
        report_checks -path_delay max -digits 3
        report_worst_slack -digits 4
        report_tns -digits 4
        exit

        """
}

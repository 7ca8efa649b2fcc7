import HWGenTypes

/// Rules for names that end up in Verilog.
public enum VerilogNames {
    /// Verilog-2005 (IEEE 1364) and SystemVerilog (IEEE 1800-2017) reserved words: never valid
    /// as names (tools read .v files in SV mode).
    public static let reserved: Set<String> = Set("""
        accept_on alias always always_comb always_ff always_latch and assert assign assume automatic before \
        begin bind bins binsof bit break buf bufif0 bufif1 byte case casex casez cell chandle checker class \
        clocking cmos config const constraint context continue cover covergroup coverpoint cross deassign \
        default defparam design disable dist do edge else end endcase endchecker endclass endclocking endconfig \
        endfunction endgenerate endgroup endinterface endmodule endpackage endprimitive endprogram endproperty \
        endsequence endspecify endtable endtask enum event eventually expect export extends extern final \
        first_match for force foreach forever fork forkjoin function generate genvar global highz0 highz1 if iff \
        ifnone ignore_bins illegal_bins implements implies import incdir include initial inout input inside \
        instance int integer interconnect interface intersect join join_any join_none large let liblist library \
        local localparam logic longint macromodule matches medium modport module nand negedge nettype new \
        nexttime nmos nor noshowcancelled not notif0 notif1 null or output package packed parameter pmos posedge \
        primitive priority program property protected pull0 pull1 pulldown pullup pulsestyle_ondetect \
        pulsestyle_onevent pure rand randc randcase randsequence rcmos real realtime ref reg reject_on release \
        repeat restrict return rnmos rpmos rtran rtranif0 rtranif1 s_always s_eventually s_nexttime s_until \
        s_until_with scalared sequence shortint shortreal showcancelled signed small soft solve specify \
        specparam static string strong strong0 strong1 struct super supply0 supply1 sync_accept_on \
        sync_reject_on table tagged task this throughout time timeprecision timeunit tran tranif0 tranif1 tri \
        tri0 tri1 triand trior trireg type typedef union unique unique0 unsigned until until_with untyped use \
        uwire var vectored virtual void wait wait_order wand weak weak0 weak1 while wildcard wire with within \
        wor xnor xor
        """.split(separator: " ").map(String.init))

    /// Why `name` is not usable as a Verilog identifier, or nil if it is.
    public static func problem(with name: String) -> String? {
        guard let first = name.utf8.first else { return "empty name" }
        func letter(_ c: UInt8) -> Bool { (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z") }
        guard letter(first) || first == UInt8(ascii: "_") else { return "'\(name)' must start with a letter or '_'" }
        guard name.utf8.allSatisfy({ letter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") }) else {
            return "'\(name)' may contain only letters, digits and '_'"
        }
        if reserved.contains(name) { return "'\(name)' is a Verilog/SystemVerilog keyword" }
        return nil
    }
}

extension Templates {
    /// The testbenches' `finish_run` task: summary line with `cycles` (a Verilog expression),
    /// PASS/FAIL, exit status.
    static func finishRunTask(cycles: String) -> String {
        #"""

    // Ends the run: summary line, PASS/FAIL, exit status.
    task finish_run;
        begin
            finished = 1'b1;
            $fclose(fd);
            $display("HWGEN RESULT checked=%0d mismatches=%0d cycles=%0d", checked, mismatches, \#(cycles));
            if (mismatches == 0 && !timed_out) begin
                $display("PASS");
                $finish;
            end else begin
                $display("FAIL");
                stop_failed;
            end
        end
    endtask

    // Ends the process with a failure status: $fatal(1) under Icarus, $stop otherwise.
    task stop_failed;
        begin
`ifdef __ICARUS__
            $fatal(1, "HWGEN testbench failed");
`else
            $stop;
`endif
        end
    endtask

    // Stops at once, naming the file and where it is looked for, when a vector file is missing
    // (a run without run.hex would have no watchdog limit).
    task require_file(input [8*32-1:0] name);
        integer probe;
        begin
            probe = $fopen(name, "r");
            if (probe == 0) begin
                $display("HWGEN ERROR cannot open %0s: this testbench reads its vector files from the directory it is started in (hwgen emit -o DIR writes them to DIR/vectors/<design>/; start the simulation there)", name);
                stop_failed;
            end
            $fclose(probe);
        end
    endtask

"""#
    }

    /// The testbenches' first reads at time 0: `c_rtl.txt` opened, the `+waves=` plusarg, `run.hex`
    /// and `dims.hex` (a fragment of their `initial` block).
    static let openRunFiles = #"""

        fd = $fopen("c_rtl.txt", "w");
        if ($value$plusargs("waves=%s", wave_file)) begin
            $dumpfile(wave_file);
            $dumpvars(0, {{{tbName}}});
        end
        require_file("run.hex");
        $readmemh("run.hex", run);
        require_file("dims.hex");
        $readmemh("dims.hex", dims);

"""#

    /// The GEMM and AXI testbenches' parameters: memory depths, lanes and widths of the buffer
    /// lines, the padding value, reset cycles and the mismatch report limit.
    static let bufferParameters = #"""

    parameter MAX_BEATS = 65536;           // depth of the load and map memories
    parameter MAX_WORDS = 65536;           // depth of the expected-C memory

    localparam AL = {{{aLanes}}};            // A banks (lanes written per line)
    localparam BL = {{{bLanes}}};            // B banks
    localparam CL = {{{cLanes}}};            // C banks (lanes read per line)
    localparam AW = {{{aBits}}};
    localparam BW = {{{bBits}}};
    localparam ACCW = {{{accBits}}};
    localparam [ACCW-1:0] PAD = {{{accBits}}}'h{{{padHex}}};   // what a padding position holds
    localparam PAD_CHECKED = {{{padChecked}}};   // 0 for float results: a padding position then holds 0·x, NaN where x is
    localparam RESET_CYCLES = 4;
    localparam MAX_REPORTS = 10;

"""#

    /// The GEMM and AXI testbenches' check of `dims.hex` and the line counts (opens an `if` on a
    /// bad run that ends the run; the caller closes it).
    static let checkBufferRun = #"""

        M = dims[0];
        K = dims[1];
        N = dims[2];
        if (A_LINES < 1 || B_LINES < 1 || C_LINES < 1 || A_LINES > MAX_BEATS || B_LINES > MAX_BEATS
            || C_LINES > MAX_BEATS || M * N > MAX_WORDS) begin
            $display("HWGEN ERROR bad run: lines %0d/%0d/%0d, M=%0d N=%0d (MAX_BEATS=%0d MAX_WORDS=%0d)",
                     A_LINES, B_LINES, C_LINES, M, N, MAX_BEATS, MAX_WORDS);
            mismatches = 1;
            finish_run;

"""#

    /// The testbenches' `check_c_line` task: checks C line `line` (CL lanes of `data`) against
    /// the expected C through `map_mem`, `want` being the expected value of index `idx` (a
    /// Verilog expression), `record` a condition (Verilog) under which the value goes to c_rtl.txt.
    static func checkCLineTask(want: String, record: String?) -> String {
        #"""

    // Checks C line `line` (CL lanes of `data`) against the expected C through c_map.
    task check_c_line(input integer line, input [CL*ACCW-1:0] data);
        begin
            for (l = 0; l < CL; l = l + 1) begin
                got = data[l*ACCW +: ACCW];
                idx = map_mem[line * CL + l];
                if (idx >= 0) begin
                    want = \#(want);
                    checked = checked + 1;
                    \#(record.map { "if (\($0)) " } ?? "")$fdisplay(fd, "%0d %0d %h", idx / N, idx % N, got);
                end else begin
                    want = PAD_CHECKED ? PAD : got;
                end
                if (got !== want) begin
                    mismatches = mismatches + 1;
                    if (mismatches <= MAX_REPORTS)
{{#accSigned}}
                        $display("HWGEN MISMATCH row=%0d col=%0d (C line %0d lane %0d) expected=%0d got=%0d", idx / N, idx % N, line, l, $signed(want), $signed(got));
{{/accSigned}}
{{^accSigned}}
                        $display("HWGEN MISMATCH row=%0d col=%0d (C line %0d lane %0d) expected=%0d got=%0d", idx / N, idx % N, line, l, want, got);
{{/accSigned}}
                end
            end
        end
    endtask

"""#
    }

    /// Self-checking Verilog-2005 testbench for any engine with HWGen's stream interface
    /// (`in_valid`/`in_ready` with the engine's stream ports in, `out_valid`/`out_data` lanes out).
    ///
    /// Accepted by Icarus Verilog 11 (`-g2005`) and `verilator --binary` 5.006, and lint-clean
    /// under `verilator -Wall`: the two TB-only warnings (BLKSEQ: blocking assignments to the
    /// bookkeeping variables of the checker process; DECLFILENAME: the file may be named freely)
    /// are switched off by `lint_off` comments in the file, so no `-Wno-…` flag is needed.
    ///
    /// Values (all strings unless noted; use triple braces):
    /// - `tbName`, `name`, `source`, `summary`, `macDescription`
    /// - `lanes` (L), `accBits`, `beatBits`, `beatLayout`
    /// - `ports`: a list of `{name, msb, offset, bits}`, the DUT's stream inputs and their
    ///   place in a beat word
    /// - `accSigned` (Bool): the results are two's complement (values print signed)
    /// - `padHex`: what a padding position must hold, hex (0; an epilogue's zero point)
    ///
    /// Runtime interface: reads `run.hex` (beats, results, watchdog cycles, drain cycles),
    /// `dims.hex` (M, K, N), `beats.hex`, `lanes.hex`, `out_map.hex` and `c_expected.hex` from the
    /// current directory; writes `c_rtl.txt`; prints `HWGEN MISMATCH …` (≤ 10), `HWGEN RESULT …`
    /// and `PASS`/`FAIL` (`HWGEN TIMEOUT` from the watchdog). Failure exits non-zero: `$fatal(1)`
    /// under Icarus (vvp exits 1), `$stop` elsewhere (the Verilator binary aborts: SIGABRT).
    /// Parameters `MAX_BEATS` and `MAX_WORDS` (memory depths, default 65536) may be overridden;
    /// plusarg `+waves=<file>` dumps a VCD (Verilator needs `--trace`).
    public static let streamTestbench: String = #"""
// {{{tbName}}} — generated by hwgen from {{{source}}}. Do not edit.
//
// Self-checking testbench for {{{name}}}: {{{summary}}}, {{{macDescription}}}.
// Reads from the current directory at time 0 (hex, one word per line):
//   run.hex         beats, results (all lanes), watchdog cycles, drain cycles
//   dims.hex        M, K, N
//   beats.hex       one input beat per line ({{{beatBits}}} bits: {{{beatLayout}}})
//   lanes.hex       results each output lane delivers ({{{lanes}}} words)
//   out_map.hex     lane by lane, each result's index row*N+col in C (ffffffff: padding, must be PAD: 0, or the epilogue's zero point)
//   c_expected.hex  C, row-major (M*N words)
// Offers beat n+1 in the cycle after beat n was accepted (in_valid && in_ready).
// Writes c_rtl.txt: one line "row col hexvalue" per real (non-padding) result.
// Prints at most 10 "HWGEN MISMATCH" lines, one "HWGEN RESULT" line, then PASS or FAIL
// ("HWGEN TIMEOUT" when the watchdog fires). On failure the process exits non-zero:
// $fatal(1) under Icarus (vvp exits 1), $stop otherwise (the Verilator binary aborts).
// Plusarg +waves=<file> writes a VCD (Verilator: build with --trace).
/* verilator lint_off BLKSEQ */
/* verilator lint_off DECLFILENAME */
module {{{tbName}}};
    parameter MAX_BEATS = 65536;           // depth of the beat memory
    parameter MAX_WORDS = 65536;           // depth of the result memories

    localparam L = {{{lanes}}};                     // output lanes
    localparam ACCW = {{{accBits}}};
    localparam [ACCW-1:0] PAD = {{{accBits}}}'h{{{padHex}}};   // what a padding position holds
    localparam PAD_CHECKED = {{{padChecked}}};   // 0 for float results: a padding position then holds 0·x, NaN where x is
    localparam IW = {{{beatBits}}};                  // bits per beat
    localparam RESET_CYCLES = 4;           // posedges with rst high
    localparam MAX_REPORTS = 10;           // mismatch lines printed

    reg               clk;
    reg               rst;
    reg               in_valid;
    wire              in_ready;
{{#ports}}
    reg  [{{{msb}}}:0] {{{name}}};
{{/ports}}
    wire [L-1:0]      out_valid;
    wire [L*ACCW-1:0] out_data;

    {{{name}}} dut (
        .clk(clk),
        .rst(rst),
        .in_valid(in_valid),
        .in_ready(in_ready),
{{#ports}}
        .{{{name}}}({{{name}}}),
{{/ports}}
        .out_valid(out_valid),
        .out_data(out_data)
    );

    reg [31:0]     run      [0:3];
    reg [31:0]     dims     [0:2];
    reg [IW-1:0]   beat_mem [0:MAX_BEATS-1];
    reg [31:0]     lane_n   [0:L-1];
    reg [31:0]     map_mem  [0:MAX_WORDS-1];
    reg [ACCW-1:0] c_mem    [0:MAX_WORDS-1];

    integer BEATS, RESULTS, LIMIT, DRAIN; // from run.hex
    integer M, K, N;                 // GEMM dimensions
    integer fd;                      // c_rtl.txt
    reg [8*1024-1:0] wave_file;

    integer edge_n;                  // index of the current posedge
    integer first_edge;              // posedge that accepted the first beat, -1 before
    integer beat_n;                  // beat on offer
    reg     feed_started, feed_done;
    integer base [0:L-1];            // lane l's results start at out_map word base[l]
    integer seen [0:L-1];            // results seen on each lane
    integer checked, mismatches, last_cycle, drain_n;
    reg     done, finished, timed_out, all_lanes;
    integer l, idx, total;
    reg [IW-1:0]   beat;
    reg [ACCW-1:0] got, want;

"""# + finishRunTask(cycles: "last_cycle + 1") + #"""

    // Puts beat beat_n on the stream ports (nonblocking), or idles them after the last.
    task offer;
        begin
            if (beat_n < BEATS) begin
                beat = beat_mem[beat_n];
                in_valid <= 1'b1;
            end else begin
                beat = 0;
                feed_done = 1'b1;
                in_valid <= 1'b0;
            end
{{#ports}}
            {{{name}}} <= beat[{{{offset}}} +: {{{bits}}}];
{{/ports}}
        end
    endtask

    initial begin
        clk = 1'b0;
        rst = 1'b1;
        in_valid = 1'b0;
{{#ports}}
        {{{name}}} = 0;
{{/ports}}
        edge_n = -1;
        first_edge = -1;
        beat_n = 0;
        feed_started = 1'b0;
        feed_done = 1'b0;
        checked = 0;
        mismatches = 0;
        last_cycle = -1;
        drain_n = 0;
        done = 1'b0;
        finished = 1'b0;
        timed_out = 1'b0;
"""# + openRunFiles + #"""
        BEATS = run[0];
        RESULTS = run[1];
        LIMIT = RESET_CYCLES + run[2];
        DRAIN = run[3];
        M = dims[0];
        K = dims[1];
        N = dims[2];
        if (M < 1 || K < 1 || N < 1 || BEATS < 1 || BEATS > MAX_BEATS || RESULTS > MAX_WORDS || M * N > MAX_WORDS) begin
            $display("HWGEN ERROR bad run: M=%0d K=%0d N=%0d beats=%0d results=%0d (MAX_BEATS=%0d MAX_WORDS=%0d)",
                     M, K, N, BEATS, RESULTS, MAX_BEATS, MAX_WORDS);
            mismatches = 1;
            finish_run;
        end else begin
            require_file("beats.hex");
            $readmemh("beats.hex", beat_mem, 0, BEATS - 1);
            require_file("lanes.hex");
            $readmemh("lanes.hex", lane_n);
            if (RESULTS > 0) $readmemh("out_map.hex", map_mem, 0, RESULTS - 1);
            require_file("c_expected.hex");
            $readmemh("c_expected.hex", c_mem, 0, M * N - 1);
            total = 0;
            for (l = 0; l < L; l = l + 1) begin
                base[l] = total;
                seen[l] = 0;
                total = total + lane_n[l];
            end
            if (total != RESULTS) begin
                $display("HWGEN ERROR lanes.hex counts %0d results, run.hex %0d", total, RESULTS);
                mismatches = 1;
                finish_run;
            end
        end
    end

    always #5 clk = ~clk;

    always @(posedge clk) begin
        edge_n = edge_n + 1;
        rst <= (edge_n < RESET_CYCLES - 1);
        if (!rst && !finished) begin
            // ---- operands: offer the next beat after each acceptance ----
            if (!feed_started) begin
                feed_started = 1'b1;
                offer;
            end else if (in_valid && in_ready) begin
                if (first_edge < 0) first_edge = edge_n;
                beat_n = beat_n + 1;
                offer;
            end
            // ---- results: lane l's n-th result belongs at out_map[base[l] + n] ----
            for (l = 0; l < L; l = l + 1) begin
                if (out_valid[l] !== 1'b0) begin
                    got = out_data[l*ACCW +: ACCW];
                    if (seen[l] >= lane_n[l] || first_edge < 0) begin
                        mismatches = mismatches + 1;
                        if (mismatches <= MAX_REPORTS)
{{#accSigned}}
                            $display("HWGEN UNEXPECTED result on lane %0d (result %0d of that lane) got=%0d", l, seen[l], $signed(got));
{{/accSigned}}
{{^accSigned}}
                            $display("HWGEN UNEXPECTED result on lane %0d (result %0d of that lane) got=%0d", l, seen[l], got);
{{/accSigned}}
                    end else begin
                        last_cycle = edge_n - first_edge;
                        idx = map_mem[base[l] + seen[l]];
                        if (idx >= 0) begin
                            want = c_mem[idx];
                            checked = checked + 1;
                            $fdisplay(fd, "%0d %0d %h", idx / N, idx % N, got);
                        end else begin
                            want = PAD_CHECKED ? PAD : got;   // padding position
                        end
                        if (got !== want) begin
                            mismatches = mismatches + 1;
                            if (mismatches <= MAX_REPORTS) begin
                                if (idx >= 0)
{{#accSigned}}
                                    $display("HWGEN MISMATCH row=%0d col=%0d expected=%0d got=%0d", idx / N, idx % N, $signed(want), $signed(got));
{{/accSigned}}
{{^accSigned}}
                                    $display("HWGEN MISMATCH row=%0d col=%0d expected=%0d got=%0d", idx / N, idx % N, want, got);
{{/accSigned}}
                                else
{{#accSigned}}
                                    $display("HWGEN MISMATCH padding on lane %0d (result %0d) expected=%0d got=%0d", l, seen[l], $signed(PAD), $signed(got));
{{/accSigned}}
{{^accSigned}}
                                    $display("HWGEN MISMATCH padding on lane %0d (result %0d) expected=%0d got=%0d", l, seen[l], PAD, got);
{{/accSigned}}
                            end
                        end
                    end
                    seen[l] = seen[l] + 1;
                end
            end
            // ---- completion, drain, watchdog ----
            if (!done && feed_done) begin
                all_lanes = 1'b1;
                for (l = 0; l < L; l = l + 1)
                    if (seen[l] < lane_n[l]) all_lanes = 1'b0;
                done = all_lanes;
            end else if (done) begin
                drain_n = drain_n + 1;
                if (drain_n >= DRAIN) finish_run;
            end
            if (!finished && edge_n >= LIMIT) begin
                $display("HWGEN TIMEOUT after %0d cycles: %0d of %0d beats accepted", edge_n, beat_n, BEATS);
                timed_out = 1'b1;
                finish_run;
            end
        end
    end
endmodule

"""#
}

extension Templates {
    /// Self-checking Verilog-2005 testbench for a buffered GEMM engine (`gemm:` in a spec): loads
    /// the A and B buffers, writes M, K, N, pulses `start`, waits for `done`, reads C back.
    ///
    /// Values: `tbName`, `name`, `source`, `summary`, `macDescription`, `aLanes`, `bLanes`,
    /// `cLanes` (buffer banks), `aBits`, `bBits` (a B word), `accBits`, `aAddrBits`, `bAddrBits`, `cAddrBits`, `accSigned` (Bool), `padHex`,
    /// `perColumn` (Bool: the epilogue's per-column scale table is loaded from `ep_mult.hex` and
    /// `ep_shift.hex`, N words each, through `ep_we`/`ep_waddr`/`ep_wmult`/`ep_wshift`, alongside
    /// the buffers), `epAddrBits`.
    ///
    /// Runtime interface: reads `run.hex` (A lines, B lines, C lines, watchdog cycles, runs),
    /// `dims.hex` (M, K, N), `a_load.hex` / `b_load.hex` (one buffer line per word address, R or
    /// C words), `c_map.hex` (per C line and row lane, the index row·N + col in C, ffffffff for
    /// padding, which must read 0) and `c_expected.hex` (with two runs also `a2_load.hex`,
    /// `b2_load.hex`, `c2_expected.hex`). Writes `c_rtl.txt` (first run); prints like
    /// ``streamTestbench``; `cycles` is from the cycle `start` is high to the cycle `done` is, for the first run.
    public static let gemmTestbench: String = #"""
// {{{tbName}}} — generated by hwgen from {{{source}}}. Do not edit.
//
// Self-checking testbench for {{{name}}}: {{{summary}}}, {{{macDescription}}}.
// Loads the buffers from a_load.hex / b_load.hex (one line per word address), writes M, K, N
// (dims.hex), pulses start, waits for done, then reads every C line and checks each row lane
// against c_expected.hex through c_map.hex (ffffffff: padding, must be PAD: 0, or the epilogue's zero point). run.hex holds the
// A, B and C line counts, the watchdog and the number of runs: with 2 (double buffering) a
// second GEMM (a2/b2_load.hex: A's rows and B's columns reversed, c2_expected.hex) is loaded into
// the other set while the first run computes, and starts after C of the first was read back. Writes c_rtl.txt ("row col hexvalue"), prints at most
// 10 "HWGEN MISMATCH" lines, one "HWGEN RESULT" line (cycles: start to done of the first run), then PASS or FAIL.
/* verilator lint_off BLKSEQ */
/* verilator lint_off DECLFILENAME */
module {{{tbName}}};
"""# + bufferParameters + #"""

    reg                 clk;
    reg                 rst;
    reg                 start;
    reg  [15:0]         cfg_m;
    reg  [15:0]         cfg_k;
    reg  [15:0]         cfg_n;
    reg                 a_we;
    reg  [{{{aAddrBits}}}-1:0]  a_waddr;
    reg  [AL*AW-1:0]     a_wdata;
    reg                 b_we;
    reg  [{{{bAddrBits}}}-1:0]  b_waddr;
    reg  [BL*BW-1:0]     b_wdata;
    reg  [{{{cAddrBits}}}-1:0]  c_raddr;
{{#perColumn}}
    reg                 ep_we;
    reg  [{{{epAddrBits}}}-1:0]  ep_waddr;
    reg  [30:0]         ep_wmult;
    reg  [5:0]          ep_wshift;
    reg  [30:0]         ep_mult_mem  [0:MAX_WORDS-1];   // per-column scales (N words)
    reg  [5:0]          ep_shift_mem [0:MAX_WORDS-1];
{{/perColumn}}
    wire                busy;
    wire                done;
    wire [CL*ACCW-1:0]   c_rdata;

    {{{name}}} dut (
        .clk(clk),
        .rst(rst),
        .start(start),
        .cfg_m(cfg_m),
        .cfg_k(cfg_k),
        .cfg_n(cfg_n),
        .a_we(a_we),
        .a_waddr(a_waddr),
        .a_wdata(a_wdata),
        .b_we(b_we),
        .b_waddr(b_waddr),
        .b_wdata(b_wdata),
        .c_raddr(c_raddr),
{{#perColumn}}
        .ep_we(ep_we),
        .ep_waddr(ep_waddr),
        .ep_wmult(ep_wmult),
        .ep_wshift(ep_wshift),
{{/perColumn}}
        .busy(busy),
        .done(done),
        .c_rdata(c_rdata)
    );

    reg [31:0]     run      [0:4];
    reg [31:0]     dims     [0:2];
    reg [AL*AW-1:0] a_mem    [0:MAX_BEATS-1];
    reg [BL*BW-1:0] b_mem    [0:MAX_BEATS-1];
    reg [31:0]     map_mem  [0:MAX_BEATS*CL-1];
    reg [ACCW-1:0] c_mem    [0:MAX_WORDS-1];
    reg [AL*AW-1:0] a2_mem   [0:MAX_BEATS-1];     // second run (double buffering): A's rows and
    reg [BL*BW-1:0] b2_mem   [0:MAX_BEATS-1];     // B's columns reversed, so C's rows and columns
    reg [ACCW-1:0] c2_mem   [0:MAX_WORDS-1];     // come out reversed

    integer A_LINES, B_LINES, C_LINES, LIMIT, M, K, N, RUNS;
    integer fd, edge_n, phase, n, start_edge, first_cycles, wait_n, run_n, preload_n;
    integer checked, mismatches, l, idx;
    reg     finished, timed_out;
    reg [ACCW-1:0] got, want;
    reg [8*1024-1:0] wave_file;

"""# + finishRunTask(cycles: "first_cycles") + checkCLineTask(want: "(run_n == 0) ? c_mem[idx] : c2_mem[idx]", record: "run_n == 0") + #"""

    initial begin
        clk = 1'b0;
        rst = 1'b1;
        start = 1'b0;
        cfg_m = 0;
        cfg_k = 0;
        cfg_n = 0;
        a_we = 1'b0;
        a_waddr = 0;
        a_wdata = 0;
        b_we = 1'b0;
        b_waddr = 0;
        b_wdata = 0;
        c_raddr = 0;
{{#perColumn}}
        ep_we = 1'b0;
        ep_waddr = 0;
        ep_wmult = 0;
        ep_wshift = 0;
{{/perColumn}}
        edge_n = -1;
        phase = 0;
        n = 0;
        start_edge = 0;
        first_cycles = 0;
        wait_n = 0;
        run_n = 0;
        preload_n = 0;
        checked = 0;
        mismatches = 0;
        finished = 1'b0;
        timed_out = 1'b0;
"""# + openRunFiles + #"""
        A_LINES = run[0];
        B_LINES = run[1];
        C_LINES = run[2];
        LIMIT = RESET_CYCLES + run[3];
        RUNS = run[4];
"""# + checkBufferRun + #"""
        end else begin
            require_file("a_load.hex");
            $readmemh("a_load.hex", a_mem, 0, A_LINES - 1);
            require_file("b_load.hex");
            $readmemh("b_load.hex", b_mem, 0, B_LINES - 1);
            require_file("c_map.hex");
            $readmemh("c_map.hex", map_mem, 0, C_LINES * CL - 1);
            require_file("c_expected.hex");
            $readmemh("c_expected.hex", c_mem, 0, M * N - 1);
{{#perColumn}}
            require_file("ep_mult.hex");
            $readmemh("ep_mult.hex", ep_mult_mem, 0, N - 1);
            require_file("ep_shift.hex");
            $readmemh("ep_shift.hex", ep_shift_mem, 0, N - 1);
{{/perColumn}}
            if (RUNS > 1) begin
                require_file("a2_load.hex");
                $readmemh("a2_load.hex", a2_mem, 0, A_LINES - 1);
                require_file("b2_load.hex");
                $readmemh("b2_load.hex", b2_mem, 0, B_LINES - 1);
                require_file("c2_expected.hex");
                $readmemh("c2_expected.hex", c2_mem, 0, M * N - 1);
            end
        end
    end

    always #5 clk = ~clk;

    always @(posedge clk) begin
        edge_n = edge_n + 1;
        rst <= (edge_n < RESET_CYCLES - 1);
        if (!rst && !finished) begin
            case (phase)
                0: begin   // load one line of A and of B per cycle{{#perColumn}} (and one column's scales){{/perColumn}}
                    if (n < A_LINES || n < B_LINES{{#perColumn}} || n < N{{/perColumn}}) begin
{{#perColumn}}
                        ep_we <= (n < N);
                        ep_waddr <= n;
                        ep_wmult <= (n < N) ? ep_mult_mem[n] : 0;
                        ep_wshift <= (n < N) ? ep_shift_mem[n] : 0;
{{/perColumn}}
                        a_we <= (n < A_LINES);
                        a_waddr <= n;
                        a_wdata <= (n < A_LINES) ? a_mem[n] : 0;
                        b_we <= (n < B_LINES);
                        b_waddr <= n;
                        b_wdata <= (n < B_LINES) ? b_mem[n] : 0;
                        n = n + 1;
                    end else begin
                        a_we <= 1'b0;
                        b_we <= 1'b0;
{{#perColumn}}
                        ep_we <= 1'b0;
{{/perColumn}}
                        cfg_m <= M;
                        cfg_k <= K;
                        cfg_n <= N;
                        start <= 1'b1;
                        start_edge = edge_n + 1;   // the edge that samples start
                        phase = 1;
                    end
                end
                1: begin   // wait for done; with double buffering, load the next run's operands meanwhile
                    start <= 1'b0;
                    if (run_n + 1 < RUNS && preload_n < A_LINES + B_LINES) begin
                        a_we <= (preload_n < A_LINES);
                        a_waddr <= preload_n;
                        a_wdata <= (preload_n < A_LINES) ? a2_mem[preload_n] : 0;
                        b_we <= (preload_n < B_LINES);
                        b_waddr <= preload_n;
                        b_wdata <= (preload_n < B_LINES) ? b2_mem[preload_n] : 0;
                        preload_n = (preload_n + 1 < A_LINES || preload_n + 1 < B_LINES) ? preload_n + 1 : A_LINES + B_LINES;
                    end else begin
                        a_we <= 1'b0;
                        b_we <= 1'b0;
                    end
                    if (edge_n > start_edge && done === 1'b1) begin
                        if (run_n == 0) first_cycles = edge_n - start_edge;   // the first run's (the golden model's)
                        n = 0;
                        phase = 2;
                    end
                end
                2: begin   // issue a C read
                    c_raddr <= n;
                    wait_n = 0;
                    phase = 3;
                end
                3: begin   // the word is on c_rdata two edges after the address was set
                    wait_n = wait_n + 1;
                    if (wait_n == 2) begin
                        check_c_line(n, c_rdata);
                        n = n + 1;
                        if (n < C_LINES) begin
                            phase = 2;
                        end else begin
                            run_n = run_n + 1;
                            if (run_n == RUNS) begin
                                finish_run;
                            end else begin     // the next run's operands are already in the other set
                                a_we <= 1'b0;
                                b_we <= 1'b0;
                                start <= 1'b1;
                                start_edge = edge_n + 1;
                                phase = 1;
                            end
                        end
                    end
                end
                default: phase = 0;
            endcase
            if (!finished && edge_n >= LIMIT) begin
                $display("HWGEN TIMEOUT after %0d cycles in phase %0d (busy=%0d)", edge_n, phase, busy);
                timed_out = 1'b1;
                finish_run;
            end
        end
    end
endmodule

"""#
}

extension Templates {
    /// Self-checking Verilog-2005 testbench for a GEMM engine behind AXI (`gemm.interface: axi`),
    /// driven through a small bus-functional model: AXI4-Lite writes and reads (a task each,
    /// checking OKAY responses), the A and B buffer lines as AXI4-Stream beats, START, polling
    /// STATUS.DONE, then C_READ with m_axis_c's TREADY dropped every third cycle, checking TLAST.
    ///
    /// Values: those of ``gemmTestbench`` (`aLanes`·`aBits` and `bLanes`·`bBits` are the stream
    /// widths; a C line is `cLanes`·`accBits`). Reads the same files as ``gemmTestbench`` (one run); `cycles` in the
    /// summary is the CYCLES register, start to done, as ``gemmTestbench`` measures it.
    public static let axiTestbench: String = #"""
// {{{tbName}}} — generated by hwgen from {{{source}}}. Do not edit.
//
// Self-checking testbench for {{{name}}}: {{{summary}}}, {{{macDescription}}}, behind AXI.
// A bus-functional model writes the A and B buffer lines (a_load.hex, b_load.hex) as AXI4-Stream
// beats, M, K, N (dims.hex) and START over AXI4-Lite{{#perColumn}} (and each column's scales: ep_mult.hex, ep_shift.hex){{/perColumn}},
// polls STATUS until DONE, reads CYCLES, then streams C out (C_READ, TREADY low every third
// cycle) and checks each row lane against c_expected.hex through c_map.hex (ffffffff: padding,
// must be PAD) and TLAST on the last line. Writes c_rtl.txt ("row col hexvalue"), prints at most
// 10 "HWGEN MISMATCH" lines, one "HWGEN RESULT" line (cycles: the CYCLES register), then PASS or FAIL.
/* verilator lint_off BLKSEQ */
/* verilator lint_off DECLFILENAME */
module {{{tbName}}};
"""# + bufferParameters + #"""

    reg                 clk;
    reg                 rst;
    reg  [7:0]          awaddr;
    reg                 awvalid;
    reg  [31:0]         wdata;
    reg  [3:0]          wstrb;
    reg                 wvalid;
    reg                 bready;
    reg  [7:0]          araddr;
    reg                 arvalid;
    reg                 rready;
    reg  [AL*AW-1:0]    a_tdata;
    reg                 a_tvalid;
    reg  [BL*BW-1:0]    b_tdata;
    reg                 b_tvalid;
    reg                 c_tready;
    wire                awready;
    wire                wready;
    wire                bvalid;
    wire [1:0]          bresp;
    wire                arready;
    wire                rvalid;
    wire [31:0]         rdata;
    wire [1:0]          rresp;
    wire                a_tready;
    wire                b_tready;
    wire [CL*ACCW-1:0]  c_tdata;
    wire                c_tvalid;
    wire                c_tlast;

    {{{name}}} dut (
        .clk(clk),
        .rst(rst),
        .s_axil_awaddr(awaddr),
        .s_axil_awvalid(awvalid),
        .s_axil_awready(awready),
        .s_axil_wdata(wdata),
        .s_axil_wstrb(wstrb),
        .s_axil_wvalid(wvalid),
        .s_axil_wready(wready),
        .s_axil_bvalid(bvalid),
        .s_axil_bresp(bresp),
        .s_axil_bready(bready),
        .s_axil_araddr(araddr),
        .s_axil_arvalid(arvalid),
        .s_axil_arready(arready),
        .s_axil_rvalid(rvalid),
        .s_axil_rdata(rdata),
        .s_axil_rresp(rresp),
        .s_axil_rready(rready),
        .s_axis_a_tdata(a_tdata),
        .s_axis_a_tvalid(a_tvalid),
        .s_axis_a_tready(a_tready),
        .s_axis_b_tdata(b_tdata),
        .s_axis_b_tvalid(b_tvalid),
        .s_axis_b_tready(b_tready),
        .m_axis_c_tdata(c_tdata),
        .m_axis_c_tvalid(c_tvalid),
        .m_axis_c_tready(c_tready),
        .m_axis_c_tlast(c_tlast)
    );

    reg [31:0]      run      [0:4];
    reg [31:0]      dims     [0:2];
    reg [AL*AW-1:0] a_mem    [0:MAX_BEATS-1];
    reg [BL*BW-1:0] b_mem    [0:MAX_BEATS-1];
    reg [31:0]      map_mem  [0:MAX_BEATS*CL-1];
    reg [ACCW-1:0]  c_mem    [0:MAX_WORDS-1];
{{#perColumn}}
    reg [30:0]      ep_mult_mem  [0:MAX_WORDS-1];
    reg [5:0]       ep_shift_mem [0:MAX_WORDS-1];
{{/perColumn}}

    integer A_LINES, B_LINES, C_LINES, LIMIT, M, K, N;
    integer fd, edge_n, i, l, idx, lines, checked, mismatches, cycles;
    reg     finished, timed_out, last_ok;
    reg [31:0]     word;
    reg [ACCW-1:0] got, want;
    reg [8*1024-1:0] wave_file;

"""# + finishRunTask(cycles: "cycles") + checkCLineTask(want: "c_mem[idx]", record: nil) + #"""

    always #5 clk = ~clk;

    // The watchdog: counts edges from time 0.
    always @(posedge clk) begin
        edge_n = edge_n + 1;
        if (!finished && edge_n >= LIMIT) begin
            $display("HWGEN TIMEOUT after %0d cycles", edge_n);
            timed_out = 1'b1;
            finish_run;
        end
    end

    // The bus-functional model changes its outputs at falling edges only and looks at the DUT's
    // just after (#1, once combinational READYs settled): VALID and READY both high then means a
    // transfer at the next rising edge.

    // AXI4-Lite write: address and data together, then the response (must be OKAY).
    task axil_write(input [7:0] addr, input [31:0] data);
        begin
            @(negedge clk);
            awaddr = addr;
            awvalid = 1'b1;
            wdata = data;
            wstrb = 4'hf;
            wvalid = 1'b1;
            #1;   // (READY follows VALID combinationally)
            while (!(awready && wready)) begin @(negedge clk); #1; end
            @(negedge clk);
            awvalid = 1'b0;
            wvalid = 1'b0;
            bready = 1'b1;
            #1;
            while (!bvalid) begin @(negedge clk); #1; end
            if (bresp != 2'b00) begin
                $display("HWGEN MISMATCH AXI write to 0x%02h answered %0d, not OKAY", addr, bresp);
                mismatches = mismatches + 1;
            end
            @(negedge clk);
            bready = 1'b0;
        end
    endtask

    // AXI4-Lite read into `word` (must be OKAY).
    task axil_read(input [7:0] addr);
        begin
            @(negedge clk);
            araddr = addr;
            arvalid = 1'b1;
            #1;
            while (!arready) begin @(negedge clk); #1; end
            @(negedge clk);
            arvalid = 1'b0;
            rready = 1'b1;
            #1;
            while (!rvalid) begin @(negedge clk); #1; end
            word = rdata;
            if (rresp != 2'b00) begin
                $display("HWGEN MISMATCH AXI read of 0x%02h answered %0d, not OKAY", addr, rresp);
                mismatches = mismatches + 1;
            end
            @(negedge clk);
            rready = 1'b0;
        end
    endtask

    initial begin
        clk = 1'b0;
        rst = 1'b1;
        awaddr = 0;
        awvalid = 1'b0;
        wdata = 0;
        wstrb = 0;
        wvalid = 1'b0;
        bready = 1'b0;
        araddr = 0;
        arvalid = 1'b0;
        rready = 1'b0;
        a_tdata = 0;
        a_tvalid = 1'b0;
        b_tdata = 0;
        b_tvalid = 1'b0;
        c_tready = 1'b0;
        edge_n = -1;
        checked = 0;
        mismatches = 0;
        cycles = 0;
        finished = 1'b0;
        timed_out = 1'b0;
        last_ok = 1'b1;
"""# + openRunFiles + #"""
        A_LINES = run[0];
        B_LINES = run[1];
        C_LINES = run[2];
        LIMIT = RESET_CYCLES + 4 * run[3] + 40 * (A_LINES + B_LINES + C_LINES) + 1000;
"""# + checkBufferRun + #"""
        end
        require_file("a_load.hex");
        $readmemh("a_load.hex", a_mem, 0, A_LINES - 1);
        require_file("b_load.hex");
        $readmemh("b_load.hex", b_mem, 0, B_LINES - 1);
        require_file("c_map.hex");
        $readmemh("c_map.hex", map_mem, 0, C_LINES * CL - 1);
        require_file("c_expected.hex");
        $readmemh("c_expected.hex", c_mem, 0, M * N - 1);
{{#perColumn}}
        require_file("ep_mult.hex");
        $readmemh("ep_mult.hex", ep_mult_mem, 0, N - 1);
        require_file("ep_shift.hex");
        $readmemh("ep_shift.hex", ep_shift_mem, 0, N - 1);
{{/perColumn}}
        repeat (RESET_CYCLES) @(negedge clk);
        rst = 1'b0;
{{#perColumn}}
        // Each column's epilogue scale: EP_INDEX once, then EP_MULT and EP_SHIFT per column.
        axil_write(8'h24, 0);
        for (i = 0; i < N; i = i + 1) begin
            axil_write(8'h28, ep_mult_mem[i]);
            axil_write(8'h2c, ep_shift_mem[i]);
        end
{{/perColumn}}
        // A and B buffer lines as stream beats from line 0.
        axil_write(8'h10, 0);
        axil_write(8'h14, 0);
        for (i = 0; i < A_LINES || i < B_LINES; i = i + 1) begin
            @(negedge clk);
            a_tvalid = (i < A_LINES);
            a_tdata = (i < A_LINES) ? a_mem[i] : 0;
            b_tvalid = (i < B_LINES);
            b_tdata = (i < B_LINES) ? b_mem[i] : 0;
            #1;
            while ((a_tvalid && !a_tready) || (b_tvalid && !b_tready)) begin @(negedge clk); #1; end
        end
        @(negedge clk);
        a_tvalid = 1'b0;
        b_tvalid = 1'b0;
        axil_read(8'h10);
        if (word != A_LINES) begin
            $display("HWGEN MISMATCH A_ADDR reads %0d after %0d beats", word, A_LINES);
            mismatches = mismatches + 1;
        end
        // M, K, N and START; then poll STATUS until DONE.
        axil_write(8'h08, (K << 16) | M);
        axil_write(8'h0c, N);
        axil_write(8'h00, 1);
        word = 0;
        while (!word[1]) axil_read(8'h04);
        axil_read(8'h20);
        cycles = word;
        // C out: C_READ of every line, TREADY low every third cycle.
        axil_write(8'h18, 0);
        axil_write(8'h1c, C_LINES);
        axil_write(8'h00, 2);
        lines = 0;
        while (lines < C_LINES) begin
            @(negedge clk);
            c_tready = (edge_n % 3 != 0);
            #1;   // c_tvalid and c_tdata as the next rising edge will see them
            if (c_tvalid && c_tready) begin
                if (c_tlast !== (lines == C_LINES - 1)) last_ok = 1'b0;
                check_c_line(lines, c_tdata);
                lines = lines + 1;
            end
        end
        @(negedge clk);
        c_tready = 1'b0;
        if (!last_ok) begin
            $display("HWGEN MISMATCH m_axis_c TLAST is not on the last line alone");
            mismatches = mismatches + 1;
        end
        axil_read(8'h04);
        if (word[2]) begin
            $display("HWGEN MISMATCH STATUS.C_STREAMING still set after the last line");
            mismatches = mismatches + 1;
        end
        if (!finished) finish_run;
    end
endmodule

"""#
}

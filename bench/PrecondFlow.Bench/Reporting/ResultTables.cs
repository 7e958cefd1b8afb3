using System.Globalization;
using PrecondFlow.Bench.Measurement;
using Spectre.Console;

namespace PrecondFlow.Bench.Reporting;

/// <summary>Human-readable tables of the results.</summary>
internal static class ResultTables
{
    public static Table Workloads(BenchReport report)
    {
        var table = new Table()
            .Title($"PrecondFlow bench: {Markup.Escape(report.Runtime.Device)}, {report.Runtime.Threads} threads, " +
                   $"{report.Runtime.ProcessorCount} processors, OMP_WAIT_POLICY {Markup.Escape(report.OmpWaitPolicy)}, " +
                   $"native heap {report.NativeHeap}, CPU kernels {Markup.Escape(report.CpuKernels)}" + (report.Quick ? ", quick" : ""))
            .AddColumn("workload")
            .AddColumn("shape")
            .AddColumn(new TableColumn("median / rep").RightAligned())
            .AddColumn(new TableColumn("throughput").RightAligned())
            .AddColumn(new TableColumn("spread").RightAligned())
            .AddColumn(new TableColumn("RSS before → after").RightAligned())
            .AddColumn(new TableColumn("peak RSS").RightAligned())
            .AddColumn(new TableColumn("load").RightAligned())
            .AddColumn(new TableColumn("GFLOP/s").RightAligned());
        foreach (var r in report.Results)
        {
            table.AddRow(
                Markup.Escape(r.Name),
                Markup.Escape(r.Shape),
                Seconds(r.MedianSeconds),
                $"{Number(r.ItemsPerSecond)} {Markup.Escape(r.Unit)}/s",
                $"{100 * r.Spread:0}%",
                $"{Mib(r.RssBeforeMib)} → {Mib(r.RssAfterMib)}",
                Mib(r.PeakMib) + (r.PeakIsPerWorkload ? "" : "*"),
                $"{Load(r.LoadBefore)}–{Load(r.LoadAfter)}",
                Gflops(r.Gflops, report.SgemmGflops));
        }
        var counts = report.Results.Select(r => r.RepetitionSeconds.Count).DefaultIfEmpty(0).ToArray();
        var repetitions = counts.Min() == counts.Max() ? $"{counts.Min()}" : $"{counts.Min()}–{counts.Max()}";
        table.Caption($"median of {repetitions} timed repetitions per workload after " +
                      $"{report.Results.FirstOrDefault()?.Warmup ?? 0} warm-up; spread = (max − min)/median; " +
                      "load = 1-min load average before–after" +
                      (report.SgemmGflops is { } peak
                          ? $"; GFLOP/s = counted operations × throughput, with its share of the machine's float32 matrix-product peak, {peak:0.0} GFLOP/s ({SgemmPeak.Size}³)"
                          : "") +
                      (report.Results.Any(r => !r.PeakIsPerWorkload) ? "; * peak since process start" : ""));
        return table;
    }

    public static Table Soak(SoakResult soak)
    {
        var table = new Table()
            .Title($"Soak: {soak.Steps} training steps of the {soak.Model}, RSS every {soak.Every}")
            .AddColumn(new TableColumn("step").RightAligned())
            .AddColumn(new TableColumn("RSS").RightAligned())
            .AddColumn(new TableColumn("live tensors").RightAligned())
            .AddColumn(new TableColumn("seconds").RightAligned());
        foreach (var p in soak.Points)
            table.AddRow(p.Step.ToString(CultureInfo.InvariantCulture), $"{p.RssMib:0.0} MiB",
                p.LiveTensors.ToString(CultureInfo.InvariantCulture), $"{p.Seconds:0.0}");
        table.Caption($"RSS {soak.StartMib:0.0} MiB after {soak.Every} steps → {soak.EndMib:0.0} MiB at the end " +
                      $"({soak.GrowthPercent:+0.0;-0.0}%); median of the first quarter of readings {soak.FirstQuarterMedianMib:0.0} " +
                      $"MiB → of the last {soak.LastQuarterMedianMib:0.0} MiB ({soak.MedianGrowthPercent:+0.0;-0.0}%); " +
                      $"{soak.StepsPerSecond:0.0} steps/s");
        return table;
    }

    private static string Seconds(double s) => s >= 1 ? $"{s:0.00} s" : $"{1000 * s:0.0} ms";

    private static string Number(double x) => x >= 100 ? x.ToString("N0", CultureInfo.InvariantCulture) : x.ToString("0.0#", CultureInfo.InvariantCulture);

    private static string Mib(double? mib) => mib is { } m ? $"{m:0} MiB" : "n/a";

    private static string Load(double? load) => load is { } l ? l.ToString("0.0", CultureInfo.InvariantCulture) : "?";

    private static string Gflops(double? achieved, double? peak) => achieved switch
    {
        null => "—",
        { } value when peak is > 0 => string.Create(CultureInfo.InvariantCulture, $"{value:0.0} ({100 * value / peak.Value:0}%)"),
        { } value => value.ToString("0.0", CultureInfo.InvariantCulture),
    };
}

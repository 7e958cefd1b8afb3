using PrecondFlow.Bench.Measurement;
using PrecondFlow.Bench.Reporting;
using PrecondFlow.Bench.Workloads;
using PrecondFlow.Devices;
using PrecondFlow.IO;
using Spectre.Console;
using static TorchSharp.torch;

namespace PrecondFlow.Bench;

/// <summary>Runs the workloads (or the soak), prints the table and writes the JSON.</summary>
internal static class BenchRun
{
    private static readonly IAnsiConsole ErrorConsole = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Console.Error),
    });

    public static int Execute(BenchSettings settings)
    {
        try
        {
            settings.Validate();
            // As the command line does: freed activations stay in the heap for the next step (PRECONDFLOW_NATIVE_HEAP=system: not).
            var nativeHeap = NativeHeapReuse.Apply(Environment.GetEnvironmentVariable) == NativeHeapReuseOutcome.Applied ? "keep" : "system";
            // The choice goes to the C environment, which Environment.GetEnvironmentVariable does not read back.
            var cpuKernels = CpuKernelChoice.Apply(Environment.GetEnvironmentVariable) == CpuKernelChoiceOutcome.PreferredAvx2
                ? "avx2"
                : Environment.GetEnvironmentVariable(CpuKernelChoice.Variable) ?? "default";
            // Before the first TorchSharp call: libgomp reads the variable when libtorch loads.
            OpenMpEnvironment.Apply(settings.OmpWaitPolicy);
            var libTorch = settings.LibTorch ?? Environment.GetEnvironmentVariable(DeviceSelection.LibTorchVariable);
            var device = DeviceSelection.Resolve(settings.Device, libTorch);
            if (settings.Threads > 0)
                set_num_threads(settings.Threads);
            var date = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ");
            // With JSON on standard output, everything for people goes to standard error.
            var console = settings.JsonToStandardOutput ? ErrorConsole : AnsiConsole.Console;
            // Redirected output has no width; the default 80 columns would wrap the table beyond reading.
            if (settings.JsonToStandardOutput ? Console.IsErrorRedirected : Console.IsOutputRedirected)
                console.Profile.Width = 160;
            var plan = settings.Quick ? RepetitionPlan.Smoke : RepetitionPlan.Full;

            var results = new List<WorkloadResult>();
            SoakResult? soak = null;
            double? sgemm = null;
            if (settings.Soak > 0)
            {
                soak = TrainingSoak.Run(device, settings.SoakRunModel(), settings.Soak, settings.SoakEvery, point =>
                    ErrorConsole.MarkupLine($"[grey]soak step {point.Step}: RSS {point.RssMib:0.0} MiB, " +
                                            $"{point.LiveTensors} live tensors, {point.Seconds:0} s[/]"));
            }
            else
            {
                ErrorConsole.MarkupLine($"[grey]measuring the float32 matrix-product peak ({SgemmPeak.Size}³)…[/]");
                sgemm = SgemmPeak.Measure(device);
                foreach (var create in WorkloadCatalog.Select(settings.Only, plan))
                {
                    using var workload = create();
                    ErrorConsole.MarkupLine($"[grey]running {Markup.Escape(workload.Name)} ({Markup.Escape(workload.Shape)})…[/]");
                    results.Add(Protocol.Measure(workload, plan, device));
                }
            }

            var report = new BenchReport("precondflow", date, RuntimeInfo.Collect(device, libTorch), OpenMpEnvironment.Current(),
                settings.Quick, results, soak, sgemm, nativeHeap, cpuKernels);
            if (results.Count > 0)
                console.Write(ResultTables.Workloads(report));
            if (soak is not null)
                console.Write(ResultTables.Soak(soak));
            if (settings.JsonToStandardOutput)
                Console.Out.WriteLine(Json.Serialize(report));
            else if (settings.Json is { } path)
                Json.WriteFile(path, report);
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException
                                       or PlatformNotSupportedException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }
}

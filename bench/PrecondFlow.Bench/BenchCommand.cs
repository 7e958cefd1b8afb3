using System.CommandLine;
using PrecondFlow.Bench.Workloads;

namespace PrecondFlow.Bench;

/// <summary>The command line of the bench: options, their help, and the hand-over to <see cref="BenchRun"/>.</summary>
internal static class BenchCommand
{
    public static RootCommand Create()
    {
        var device = new Option<string>("--device")
        {
            Description = "Where to compute: cpu or cuda (cuda needs a CUDA libtorch, see --libtorch).",
            DefaultValueFactory = _ => "cpu",
        }.AcceptOnlyFromAmong("cpu", "cuda");
        var libtorch = new Option<string?>("--libtorch")
        {
            Description = "Folder of a CUDA-enabled libtorch (e.g. torch/lib of a PyTorch install) for --device cuda.",
        };
        var threads = new Option<int>("--threads")
        {
            Description = "libtorch intra-op threads (torch.set_num_threads); 0 keeps libtorch's default.",
            DefaultValueFactory = _ => 0,
        };
        var ompWaitPolicy = new Option<string>("--omp-wait-policy")
        {
            Description = "OMP_WAIT_POLICY for libtorch's OpenMP threads: passive (the default: idle threads sleep, which keeps " +
                          "timings sane on a machine shared with other work), active (they spin) or inherit (leave the " +
                          "environment as it is: OpenMP's own default spins, and two spinning threads on a busy two-core " +
                          "machine made training six times slower).",
            DefaultValueFactory = _ => "passive",
        }.AcceptOnlyFromAmong(OpenMpEnvironment.Policies.ToArray());
        var quick = new Option<bool>("--quick")
        {
            Description = "Smoke test: 1 warm-up and 2 timed repetitions with fewer items each; same shapes.",
        };
        var json = new Option<string?>("--json")
        {
            Description = "Write the results as JSON: to standard output when no file is given (the table then goes to standard error), else to the file.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var only = new Option<string[]>("--only")
        {
            Description = $"Run only these workloads: {string.Join(", ", WorkloadCatalog.Names)}.",
            AllowMultipleArgumentsPerToken = true,
        };
        var soak = new Option<int>("--soak")
        {
            Description = "Instead of the workloads, train the --soak-model for this many steps and report resident memory along the way.",
        };
        var soakModel = new Option<string>("--soak-model")
        {
            Description = "What --soak trains: table4 (the Table-4 MLP) or unet (the unet-train-step UNet on 28×28 noise images).",
            DefaultValueFactory = _ => "table4",
        };
        var soakUNetChannels = new Option<int>("--soak-unet-channels")
        {
            Description = "Channels at the first level of the soak's UNet (64 as in unet-train-step; fewer for a CPU).",
            DefaultValueFactory = _ => 64,
        };
        var soakBatch = new Option<int>("--soak-batch")
        {
            Description = "Minibatch of the soak's UNet (64 as in unet-train-step).",
            DefaultValueFactory = _ => 64,
        };
        var soakEvery = new Option<int>("--soak-every")
        {
            Description = "Steps between memory readings of --soak (a multiple of 50).",
            DefaultValueFactory = _ => 1000,
        };

        var root = new RootCommand(
            "Benchmarks of the PrecondFlow engine on fixed, seeded workloads (median of timed repetitions after warm-up), " +
            "with resident memory per workload; bench/reference/bench_reference.py runs the same workloads in PyTorch.")
        {
            device, libtorch, threads, ompWaitPolicy, quick, json, only, soak, soakEvery, soakModel, soakUNetChannels, soakBatch,
        };
        root.SetAction(parse =>
        {
            var jsonResult = parse.GetResult(json);
            var settings = new BenchSettings(
                parse.GetValue(device)!,
                parse.GetValue(libtorch),
                parse.GetValue(threads),
                parse.GetValue(ompWaitPolicy)!,
                parse.GetValue(quick),
                jsonResult is null ? null : parse.GetValue(json) ?? BenchSettings.StandardOutput,
                parse.GetValue(only) ?? Array.Empty<string>(),
                parse.GetValue(soak),
                parse.GetValue(soakEvery),
                parse.GetValue(soakModel)!,
                parse.GetValue(soakUNetChannels),
                parse.GetValue(soakBatch));
            return BenchRun.Execute(settings);
        });
        return root;
    }
}

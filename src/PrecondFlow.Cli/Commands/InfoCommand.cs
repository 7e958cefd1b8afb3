using System.CommandLine;
using PrecondFlow.Cli.Console;
using PrecondFlow.Devices;
using Spectre.Console;

namespace PrecondFlow.Cli.Commands;

/// <summary>`precondflow info`: versions, the device found, threads, and why CUDA is unavailable when it is.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var device = CommonOptions.Device();
        var libtorch = CommonOptions.LibTorch();
        var distributed = new DistributedLaunch();
        var command = new Command("info",
            "Show the PrecondFlow, TorchSharp and libtorch versions, the compute device, threads and CUDA status, and under mpiexec the processes and the MPI library.")
        {
            device, libtorch,
        };
        distributed.AddTo(command);
        command.SetAction(parse => distributed.Run(parse, communicator => Show(parse, communicator)));
        return command;

        int Show(ParseResult parse, Distributed.ICommunicator communicator)
        {
            var resolved = ProcessEnvironment.ResolveDevice(parse.GetValue(device)!, parse.GetValue(libtorch));
            var info = ProcessEnvironment.Runtime(resolved, parse.GetValue(libtorch));
            var table = new Table().AddColumn("").AddColumn("");
            table.HideHeaders();
            table.AddRow("PrecondFlow", info.PrecondFlowVersion);
            table.AddRow("TorchSharp", info.TorchSharpVersion);
            table.AddRow("libtorch", info.LibTorchVersion);
            table.AddRow("device", info.Device);
            table.AddRow("threads", $"{info.Threads} (of {info.ProcessorCount} processors)");
            table.AddRow("CPU convolutions", CpuConvolutions.CanSwitchOneDnn
                ? "exact: backward passes run on oneDNN only for networks whose every convolution passes its check, else with it switched off"
                : "oneDNN's backward kernels cannot be switched off here: convolution gradients may be wrong");
            table.AddRow("native heap", NativeHeapReuse.Outcome switch
            {
                NativeHeapReuseOutcome.Applied => "keeps freed memory for reuse",
                NativeHeapReuseOutcome.LeftToEnvironment => "glibc's, from the environment",
                NativeHeapReuseOutcome.NotGlibc => "the C library's own",
                _ => "glibc's own",
            });
            table.AddRow("CPU kernels", CpuKernelChoice.Outcome switch
            {
                CpuKernelChoiceOutcome.PreferredAvx2 => "AVX2 (preferred on AMD with AVX-512)",
                CpuKernelChoiceOutcome.LeftToEnvironment =>
                    Markup.Escape($"{Environment.GetEnvironmentVariable(CpuKernelChoice.Variable)} ({CpuKernelChoice.Variable})"),
                _ => "libtorch's choice",
            });
            table.AddRow("CUDA", Markup.Escape(info.CudaAvailable ? "available" : $"not available: {info.CudaStatus}"));
            table.AddRow("OS", Markup.Escape(info.Os));
            if (communicator.WorldSize > 1 || parse.GetValue(distributed.Distributed))
            {
                table.AddRow("processes", $"{communicator.WorldSize} (this is rank {communicator.Rank})");
                table.AddRow("MPI", Markup.Escape(communicator.Library));
            }
            if (communicator.Rank == 0)
                AnsiConsole.Write(table);
            return 0;
        }
    }
}

using System.CommandLine;
using PrecondFlow.Cli.Console;
using PrecondFlow.Interop;
using Spectre.Console;

namespace PrecondFlow.Cli.Commands;

/// <summary>`precondflow export`: write a trained model in a format other frameworks read.</summary>
internal static class ExportCommand
{
    /// <summary>The formats --format accepts.</summary>
    public static readonly string[] Formats = ["safetensors", "onnx"];

    /// <summary>The graphs --graph accepts, with the map each names.</summary>
    public static readonly IReadOnlyDictionary<string, OnnxGraphKind> Graphs = new Dictionary<string, OnnxGraphKind>
    {
        ["field"] = OnnxGraphKind.Field,
        ["preconditioner"] = OnnxGraphKind.Preconditioner,
        ["inverse-preconditioner"] = OnnxGraphKind.InversePreconditioner,
    };

    public static Command Create()
    {
        var modelFolder = new Option<string>("--model") { Description = "Model folder written by `train`.", Required = true };
        var format = new Option<string>("--format")
        {
            Description = "safetensors: every tensor of the main flow (field.*), its EMA weights (ema.*) and the preconditioner (preconditioner.*), " +
                "with the model's JSON configuration in __metadata__; interop/python/precondflow_torch.py rebuilds the model in PyTorch, " +
                "and `train --init` starts training from the main flow's weights. " +
                "onnx: the main flow's network (EMA weights when kept) as an ONNX graph (opset 17) with inputs x (batch, dim), t (batch, 1) and, " +
                "when class-conditional, labels (batch) int64, and output 'output' (batch, dim): the velocity to integrate from t = 0 to 1 " +
                "(P and P⁻¹ are graphs of their own: see --graph).",
            DefaultValueFactory = _ => "safetensors",
        }.AcceptOnlyFromAmong(Formats);
        var graph = new Option<string>("--graph")
        {
            Description = "With --format onnx, which map to write. field: the main flow's network (above). " +
                "preconditioner: P, inputs x (batch, dim) float32 [+ labels (batch) int64 when P is label-conditional], outputs z (batch, dim) " +
                "and log_det (batch) = log|det dz/dx|. inverse-preconditioner: P⁻¹, input z [+ labels], output x. " +
                "Identity, whiten, class-whiten, realnvp and chains of them export; the flow preconditioner (an ODE solve) does not.",
            DefaultValueFactory = _ => "field",
        }.AcceptOnlyFromAmong([.. Graphs.Keys]);
        var output = new Option<string>("--out") { Description = "The file to write (e.g. model.safetensors); written atomically.", Required = true };

        var command = new Command("export", "Write a trained model folder in a format other frameworks read (safetensors, onnx).");
        foreach (var option in new Option[] { modelFolder, format, graph, output })
            command.Options.Add(option);

        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var folder = parse.GetValue(modelFolder)!;
            var file = parse.GetValue(output)!;
            var kind = Graphs[parse.GetValue(graph)!];
            if (parse.GetValue(format) == "onnx")
                OnnxExport.Write(folder, file, kind);
            else if (kind != OnnxGraphKind.Field)
                throw new ArgumentException(
                    $"--graph {parse.GetValue(graph)} applies to --format onnx; safetensors already holds every tensor of the model (P's under preconditioner.*).");
            else
                SafeTensorsExport.Write(folder, file);
            AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(file)}[/] ({new FileInfo(file).Length} bytes)");
            return 0;
        }));
        return command;
    }
}

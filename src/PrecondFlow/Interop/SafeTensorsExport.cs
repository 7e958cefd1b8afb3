using PrecondFlow.IO;
using PrecondFlow.Pipeline;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Interop;

/// <summary>
/// Writes a model folder (written by <c>train</c>) as one safetensors file that other frameworks can read: the main
/// flow's tensors under <c>field.</c>, the EMA weights under <c>ema.</c> when the model kept an EMA, and the
/// preconditioner's under <c>preconditioner.</c> (a chain's members under <c>preconditioner.member-i.</c>), each in its
/// own dtype. The header's <c>__metadata__</c> holds what rebuilds the networks: the model spec and P's description as
/// JSON (see <see cref="SafeTensorsModel"/>). <c>interop/python/precondflow_torch.py</c> rebuilds the model in PyTorch.
/// </summary>
public static class SafeTensorsExport
{
    /// <summary>Exports the model folder <paramref name="modelFolder"/> to <paramref name="outFile"/>, atomically.</summary>
    /// <param name="modelFolder">A folder written by <c>train</c> (or a plain checkpoint, exported with the identity P).</param>
    /// <param name="outFile">The .safetensors file to write; an existing one is replaced.</param>
    /// <exception cref="FileNotFoundException">The folder is not a model folder.</exception>
    /// <exception cref="InvalidDataException">The folder is damaged; the message names the file.</exception>
    public static void Write(string modelFolder, string outFile)
    {
        var manifest = Checkpoint.ReadManifest(modelFolder);
        using var model = PreconditionedModel.Load(modelFolder, CPU, preferEma: false);
        var ema = manifest.Training.EmaDecay is null ? null : Checkpoint.LoadField(modelFolder, CPU, preferEma: true).Field;
        using (ema)
        {
            var tensors = new List<(string Name, Tensor Value)>();
            tensors.AddRange(model.Field.state_dict().Select(e => (SafeTensorsModel.FieldPrefix + e.Key, e.Value)));
            if (ema is not null)
                tensors.AddRange(ema.state_dict().Select(e => (SafeTensorsModel.EmaPrefix + e.Key, e.Value)));
            tensors.AddRange(PreconditionerTensors.Of(model.Preconditioner)
                .Select(t => (SafeTensorsModel.PreconditionerPrefix + t.Name, t.Value)));
            var metadata = new Dictionary<string, string>
            {
                [SafeTensorsModel.FormatKey] = SafeTensorsModel.Format,
                [SafeTensorsModel.ModelKey] = Json.Serialize(manifest.Model),
                [SafeTensorsModel.PreconditionerKey] = model.Preconditioner.Describe().ToJsonString(Json.Options),
                [SafeTensorsModel.EmaKey] = ema is null ? "false" : "true",
            };
            SafeTensors.Write(outFile, tensors, metadata);
        }
    }
}

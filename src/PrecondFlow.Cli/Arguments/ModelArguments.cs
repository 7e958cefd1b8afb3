using System.CommandLine;
using System.Globalization;
using PrecondFlow.Fields;
using PrecondFlow.Paths.Schedulers;
using PrecondFlow.Training;

namespace PrecondFlow.Cli.Arguments;

/// <summary>The network, path and objective of a model to train.</summary>
internal sealed class ModelArguments
{
    public Option<string> Objective { get; } = new Option<string>("--objective")
    {
        Description = "flow-matching (the network predicts the velocity) or score-matching (it predicts the noise; score = −ε̂/σ_t).",
        DefaultValueFactory = _ => "flow-matching",
    }.AcceptOnlyFromAmong("flow-matching", "score-matching");

    public Option<string> Path { get; } = new Option<string>("--path")
    {
        Description = "Probability path: linear (rectified), sine-cosine, or vp (variance-preserving diffusion).",
        DefaultValueFactory = _ => "linear",
    }.AcceptOnlyFromAmong(Schedulers.Names.ToArray());

    public Option<string> Field { get; } = new Option<string>("--field")
    {
        Description = "Network: mlp, or linear (v = W(t)x, for the Gaussian theory).",
        DefaultValueFactory = _ => "mlp",
    }.AcceptOnlyFromAmong(FieldConfig.Kinds.ToArray());

    public Option<string> Hidden { get; } = new("--hidden")
    {
        Description = "Hidden layer widths of the MLP, comma-separated.",
        DefaultValueFactory = _ => "128,128",
    };

    public Option<string> Activation { get; } = new Option<string>("--activation")
    {
        Description = "MLP activation.",
        DefaultValueFactory = _ => "silu",
    }.AcceptOnlyFromAmong(FieldConfig.Activations.ToArray());

    public Option<string> TimeEncoding { get; } = new Option<string>("--time-encoding")
    {
        Description = "How t enters the MLP: raw (one input) or sinusoidal features.",
        DefaultValueFactory = _ => "sinusoidal",
    }.AcceptOnlyFromAmong("raw", "sinusoidal");

    public Option<string> LabelEncoding { get; } = new Option<string>("--label-encoding")
    {
        Description = "How class labels enter the MLP of a conditional model: embedding or one-hot.",
        DefaultValueFactory = _ => "embedding",
    }.AcceptOnlyFromAmong("embedding", "one-hot");

    public Option<bool> Unconditional { get; } = new("--unconditional")
    {
        Description = "Ignore the data's labels and train an unconditional model (labelled data train a class-conditional one by default).",
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Objective, Path, Field, Hidden, Activation, TimeEncoding, LabelEncoding, Unconditional })
            command.Options.Add(option);
    }

    public ModelSpec Read(ParseResult parse, int dim, int numClasses)
    {
        var config = new FieldConfig(
            Kind: parse.GetValue(Field)!,
            Dim: dim,
            NumClasses: parse.GetValue(Unconditional) ? 0 : numClasses,
            Hidden: ParseWidths(parse.GetValue(Hidden)!, "--hidden"),
            Activation: parse.GetValue(Activation)!,
            Time: parse.GetValue(TimeEncoding) == "raw" ? Fields.TimeEncoding.Raw : Fields.TimeEncoding.Sinusoidal,
            Labels: parse.GetValue(LabelEncoding) == "one-hot" ? Fields.LabelEncoding.OneHot : Fields.LabelEncoding.Embedding);
        if (config.Kind == "linear")
            config = config with { NumClasses = 0 };
        var objective = parse.GetValue(Objective) == "score-matching" ? Training.Objective.ScoreMatching : Training.Objective.FlowMatching;
        var spec = new ModelSpec(config, parse.GetValue(Path)!, objective);
        spec.Validate();
        return spec;
    }

    /// <summary>Parses comma-separated positive widths such as "128,128".</summary>
    public static int[] ParseWidths(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i]) || widths[i] < 1)
                throw new ArgumentException($"{option}: '{parts[i]}' is not a positive width; give widths like 128,128.");
        }
        if (widths.Length == 0)
            throw new ArgumentException($"{option}: give at least one width, e.g. 128,128.");
        return widths;
    }
}

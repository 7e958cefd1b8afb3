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
        Description = "Network: mlp, linear (v = W(t)x, for the Gaussian theory), or unet (each point read as a C×H×W image; see --image-shape).",
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

    public Option<string?> ImageShape { get; } = new("--image-shape")
    {
        Description = "UNet: the image shape CxHxW of each data point (e.g. 1x28x28); C·H·W must equal the data's dimension.",
    };

    public Option<int> Channels { get; } = Console.CommonOptions.Positive("--channels", "UNet: channels of the first level.", 64);

    public Option<string> ChannelMultipliers { get; } = new("--channel-mult")
    {
        Description = "UNet: channels of each level as multiples of --channels, comma-separated; L levels need H and W divisible by 2^(L−1).",
        DefaultValueFactory = _ => "1,2,2",
    };

    public Option<int> ResBlocks { get; } = Console.CommonOptions.Positive("--res-blocks", "UNet: residual blocks per level.", 2);

    public Option<string?> AttentionResolutions { get; } = new("--attention-res")
    {
        Description = "UNet: heights (pixels) of the levels with self-attention, comma-separated, or none (default: the lowest level, 7 for 28×28 with 3 levels).",
    };

    public Option<int> Heads { get; } = Console.CommonOptions.Positive("--heads", "UNet: attention heads.", 4);

    public Option<double> Dropout { get; } = new("--dropout") { Description = "UNet: dropout probability in the residual blocks while training.", DefaultValueFactory = _ => 0.1 };

    public Option<int> Groups { get; } = Console.CommonOptions.Positive("--groups", "UNet: GroupNorm groups; must divide every level's channels.", 32);

    public Option<bool> Unconditional { get; } = new("--unconditional")
    {
        Description = "Ignore the data's labels and train an unconditional model (labelled data train a class-conditional one by default).",
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Objective, Path, Field, Hidden, Activation, TimeEncoding, LabelEncoding, ImageShape, Channels,
                     ChannelMultipliers, ResBlocks, AttentionResolutions, Heads, Dropout, Groups, Unconditional })
            command.Options.Add(option);
    }

    /// <summary>The model the options describe for data of <paramref name="dim"/> coordinates and <paramref name="numClasses"/> classes;
    /// a UNet takes its image shape from --image-shape or, failing that, from the data (<paramref name="dataImageShape"/>).</summary>
    public ModelSpec Read(ParseResult parse, int dim, int numClasses, int[]? dataImageShape = null)
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
        if (config.Kind == "unet")
            config = config with
            {
                ImageShape = ResolveImageShape(parse.GetValue(ImageShape), dim, dataImageShape),
                BaseChannels = parse.GetValue(Channels),
                ChannelMultipliers = ParseWidths(parse.GetValue(ChannelMultipliers)!, "--channel-mult"),
                ResBlocks = parse.GetValue(ResBlocks),
                AttentionResolutions = ParseAttentionResolutions(parse.GetValue(AttentionResolutions)),
                Heads = parse.GetValue(Heads),
                Dropout = parse.GetValue(Dropout),
                NormGroups = parse.GetValue(Groups),
            };
        var objective = parse.GetValue(Objective) == "score-matching" ? Training.Objective.ScoreMatching : Training.Objective.FlowMatching;
        var spec = new ModelSpec(config, parse.GetValue(Path)!, objective);
        try
        {
            spec.Validate();
        }
        catch (ArgumentException e) when (config.Kind == "unet" && e.ParamName is { } field && UNetOptionOf.TryGetValue(field, out var option))
        {
            throw new ArgumentException($"{option}: {MessageWithoutParameter(e)}", e);
        }
        return spec;
    }

    /// <summary>The option that sets each UNet field of <see cref="FieldConfig"/>, for error messages.</summary>
    private static readonly Dictionary<string, string> UNetOptionOf = new()
    {
        [nameof(FieldConfig.ImageShape)] = "--image-shape",
        [nameof(FieldConfig.BaseChannels)] = "--channels",
        [nameof(FieldConfig.ChannelMultipliers)] = "--channel-mult",
        [nameof(FieldConfig.ResBlocks)] = "--res-blocks",
        [nameof(FieldConfig.AttentionResolutions)] = "--attention-res",
        [nameof(FieldConfig.Heads)] = "--heads",
        [nameof(FieldConfig.Dropout)] = "--dropout",
        [nameof(FieldConfig.NormGroups)] = "--groups",
    };

    private static string MessageWithoutParameter(ArgumentException e)
    {
        var suffix = $" (Parameter '{e.ParamName}')";
        return e.Message.EndsWith(suffix, StringComparison.Ordinal) ? e.Message[..^suffix.Length] : e.Message;
    }

    /// <summary>
    /// The image shape of a UNet: the data's own when they carry one (--image-shape may repeat it, but not contradict it),
    /// else --image-shape.
    /// </summary>
    public static int[] ResolveImageShape(string? text, int dim, int[]? dataImageShape)
    {
        if (dataImageShape is null)
            return ParseImageShape(text, dim);
        if (text is null)
            return dataImageShape;
        var given = ParseImageShape(text, dim);
        return given.SequenceEqual(dataImageShape)
            ? given
            : throw new ArgumentException(
                $"--image-shape {string.Join("×", given)} disagrees with the data's image shape {string.Join("×", dataImageShape)}; " +
                "leave --image-shape out to use the data's.");
    }

    /// <summary>Parses "CxHxW" (x, X or ×); without the option, a UNet cannot guess the shape and says so.</summary>
    public static int[] ParseImageShape(string? text, int dim)
    {
        if (text is null)
            throw new ArgumentException($"--image-shape: a UNet needs the image shape of each data point, CxHxW with C·H·W = {dim} (e.g. 1x28x28 for 784 values).");
        var parts = text.Split(new[] { 'x', 'X', '×' }, StringSplitOptions.TrimEntries);
        var sizes = new int[parts.Length];
        bool valid = parts.Length == 3;
        for (int i = 0; valid && i < parts.Length; i++)
            valid = int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i]) && sizes[i] >= 1;
        if (!valid)
            throw new ArgumentException($"--image-shape: '{text}' is not an image shape; give CxHxW with three positive sizes, e.g. 1x28x28.");
        return sizes;
    }

    /// <summary>Parses comma-separated attention heights, "none" for no attention, or nothing for the default.</summary>
    public static int[]? ParseAttentionResolutions(string? text) =>
        text is null ? null
        : text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase) ? Array.Empty<int>()
        : ParseWidths(text, "--attention-res");

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

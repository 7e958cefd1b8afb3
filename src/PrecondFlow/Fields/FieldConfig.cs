using System.Text.Json.Serialization;

namespace PrecondFlow.Fields;

/// <summary>How time enters a network.</summary>
public enum TimeEncoding
{
    /// <summary>t itself as one extra input.</summary>
    Raw,
    /// <summary>sin/cos of t at geometrically spaced frequencies (Transformer-style).</summary>
    Sinusoidal,
}

/// <summary>How class labels enter a network.</summary>
public enum LabelEncoding
{
    /// <summary>A one-hot vector of NumClasses + 1 entries (the last means "no label").</summary>
    OneHot,
    /// <summary>A learned embedding of NumClasses + 1 rows.</summary>
    Embedding,
}

/// <summary>
/// Everything needed to rebuild a vector field: its kind, sizes and options. Saved next to the weights.
/// </summary>
/// <param name="Kind">"mlp", "linear" or "unet".</param>
/// <param name="Dim">Data dimension.</param>
/// <param name="NumClasses">Classes for conditioning; 0 = unconditional.</param>
/// <param name="Hidden">Widths of the hidden layers (MLP).</param>
/// <param name="Activation">"silu", "relu", "gelu", "tanh", "elu" or "selu" (MLP; "selu" is the activation of TorchCFM's MLP).</param>
/// <param name="Time">Time encoding (MLP).</param>
/// <param name="TimeFeatures">Number of sinusoidal features (even) when <paramref name="Time"/> is sinusoidal; the UNet
/// always encodes time with this many sinusoidal features.</param>
/// <param name="Labels">Label encoding (MLP).</param>
/// <param name="LabelFeatures">Embedding size when <paramref name="Labels"/> is an embedding.</param>
/// <param name="TimeKnots">Number of knots of the piecewise-linear W(t) (linear field).</param>
/// <param name="ImageShape">Channels, height and width (C, H, W) of the images a UNet sees; C·H·W must equal
/// <paramref name="Dim"/>.</param>
/// <param name="BaseChannels">Channels of the UNet's first level (UNet).</param>
/// <param name="ChannelMultipliers">Channels of each UNet level as multiples of <paramref name="BaseChannels"/>; one entry
/// per level, so levels − 1 halvings of the resolution (default 1,2,2).</param>
/// <param name="ResBlocks">Residual blocks per UNet level on the way down (one more on the way up).</param>
/// <param name="AttentionResolutions">Heights (in pixels) of the UNet levels that get self-attention; null means the
/// lowest level only (7 for 28×28 with three levels), empty means none.</param>
/// <param name="Heads">Attention heads (UNet); must divide the channels of every level with attention.</param>
/// <param name="Dropout">Dropout probability inside the UNet's residual blocks while training.</param>
/// <param name="NormGroups">GroupNorm groups (UNet); must divide the channels of every level.</param>
public sealed record FieldConfig(
    string Kind = "mlp",
    int Dim = 2,
    int NumClasses = 0,
    int[]? Hidden = null,
    string Activation = "silu",
    TimeEncoding Time = TimeEncoding.Sinusoidal,
    int TimeFeatures = 16,
    LabelEncoding Labels = LabelEncoding.Embedding,
    int LabelFeatures = 16,
    int TimeKnots = 21,
    int[]? ImageShape = null,
    int BaseChannels = 64,
    int[]? ChannelMultipliers = null,
    int ResBlocks = 2,
    int[]? AttentionResolutions = null,
    int Heads = 4,
    double Dropout = 0.1,
    int NormGroups = 32)
{
    /// <summary>The values <see cref="Kind"/> accepts: "mlp" (<see cref="MlpVectorField"/>), "linear" (<see cref="LinearVectorField"/>),
    /// "unet" (<see cref="UNetVectorField"/>).</summary>
    public static IReadOnlyList<string> Kinds { get; } = new[] { "mlp", "linear", "unet" };

    /// <summary>The values <see cref="Activation"/> accepts.</summary>
    public static IReadOnlyList<string> Activations { get; } = new[] { "silu", "relu", "gelu", "tanh", "elu", "selu" };

    /// <summary>Hidden widths, defaulting to two layers of 128 (the paper's Table 4).</summary>
    public int[] HiddenWidths => Hidden ?? new[] { 128, 128 };

    /// <summary>Channel multipliers of the UNet levels, defaulting to 1,2,2.</summary>
    [JsonIgnore]
    public int[] Multipliers => ChannelMultipliers ?? new[] { 1, 2, 2 };

    /// <summary>
    /// The fields in which this configuration builds a different network than <paramref name="other"/>, each as
    /// "Name: this value, other value" (hidden widths compared by value, the default spelled out); empty when equal.
    /// </summary>
    public IReadOnlyList<string> DifferencesFrom(FieldConfig other, string thisName = "network", string otherName = "spec")
    {
        var differences = new List<string>();
        void Compare<T>(string name, T mine, T theirs, Func<T, string>? show = null)
        {
            if (!EqualityComparer<T>.Default.Equals(mine, theirs))
                differences.Add($"{name}: {thisName} {(show ?? (v => $"{v}"))(mine)}, {otherName} {(show ?? (v => $"{v}"))(theirs)}");
        }
        Compare(nameof(Kind), Kind, other.Kind);
        Compare(nameof(Dim), Dim, other.Dim);
        Compare(nameof(NumClasses), NumClasses, other.NumClasses);
        Compare(nameof(Hidden), string.Join(",", HiddenWidths), string.Join(",", other.HiddenWidths));
        Compare(nameof(Activation), Activation, other.Activation);
        Compare(nameof(Time), Time, other.Time);
        Compare(nameof(TimeFeatures), TimeFeatures, other.TimeFeatures);
        Compare(nameof(Labels), Labels, other.Labels);
        Compare(nameof(LabelFeatures), LabelFeatures, other.LabelFeatures);
        Compare(nameof(TimeKnots), TimeKnots, other.TimeKnots);
        static string List(int[]? values) => values is null ? "default" : string.Join(",", values);
        Compare(nameof(ImageShape), List(ImageShape), List(other.ImageShape));
        Compare(nameof(BaseChannels), BaseChannels, other.BaseChannels);
        Compare(nameof(ChannelMultipliers), string.Join(",", Multipliers), string.Join(",", other.Multipliers));
        Compare(nameof(ResBlocks), ResBlocks, other.ResBlocks);
        Compare(nameof(AttentionResolutions), List(AttentionResolutions), List(other.AttentionResolutions));
        Compare(nameof(Heads), Heads, other.Heads);
        Compare(nameof(Dropout), Dropout, other.Dropout);
        Compare(nameof(NormGroups), NormGroups, other.NormGroups);
        return differences;
    }

    /// <summary>Checks every field against its allowed range.</summary>
    /// <exception cref="ArgumentException">An unknown <see cref="Kind"/> or <see cref="Activation"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Dim &lt; 1, NumClasses &lt; 0, no hidden layer or one narrower than 1,
    /// an odd or non-positive number of sinusoidal time features, an embedding of fewer than 1 feature, or fewer than 2
    /// time knots; the message names the field. For a UNet: see <see cref="UNetGeometry.Of"/>.</exception>
    public void Validate()
    {
        if (!Kinds.Contains(Kind))
            throw new ArgumentException($"Unknown field kind '{Kind}'. Known kinds: {string.Join(", ", Kinds)}.", nameof(Kind));
        if (Dim < 1)
            throw new ArgumentOutOfRangeException(nameof(Dim), Dim, "The data dimension must be at least 1.");
        if (NumClasses < 0)
            throw new ArgumentOutOfRangeException(nameof(NumClasses), NumClasses, "The number of classes cannot be negative.");
        if (HiddenWidths.Length == 0 || HiddenWidths.Any(w => w < 1))
            throw new ArgumentOutOfRangeException(nameof(Hidden), string.Join(",", HiddenWidths),
                "Give at least one hidden layer, each at least 1 wide (e.g. 128,128).");
        if (!Activations.Contains(Activation))
            throw new ArgumentException($"Unknown activation '{Activation}'. Known activations: {string.Join(", ", Activations)}.", nameof(Activation));
        if (Time == TimeEncoding.Sinusoidal && (TimeFeatures < 2 || TimeFeatures % 2 != 0))
            throw new ArgumentOutOfRangeException(nameof(TimeFeatures), TimeFeatures, "Sinusoidal time features must be a positive even number.");
        if (Labels == LabelEncoding.Embedding && LabelFeatures < 1)
            throw new ArgumentOutOfRangeException(nameof(LabelFeatures), LabelFeatures, "The label embedding needs at least 1 feature.");
        if (TimeKnots < 2)
            throw new ArgumentOutOfRangeException(nameof(TimeKnots), TimeKnots, "A piecewise-linear W(t) needs at least 2 knots.");
        if (Kind == "unet")
            _ = UNetGeometry.Of(this);
    }
}

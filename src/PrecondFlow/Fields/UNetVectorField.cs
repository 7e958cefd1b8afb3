using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Fields;

/// <summary>
/// A UNet (the DDPM / ADM family) on images given as flat vectors: x of shape (batch, C·H·W) is read as
/// (batch, C, H, W), and the output is flattened back, so the field trains, averages, saves and samples like any other.
/// </summary>
/// <remarks>
/// <para>Time: sinusoidal features of t (<see cref="FieldConfig.TimeFeatures"/> of them, <see cref="Fields.TimeFeatures"/>),
/// then Linear → SiLU → Linear to an embedding of 4 × BaseChannels; a conditional field adds a learned embedding of the
/// label (NumClasses + 1 rows, the last meaning "no label", for classifier-free guidance).</para>
/// <para>Layout: a 3×3 input convolution; per level, ResBlocks residual blocks (<see cref="UNetResidualBlock"/>, the
/// embedding entering by scale and shift), each followed by self-attention at the levels that have it, then a stride-2
/// down-sampling except after the last level; a middle of residual block, attention (when the lowest level has it),
/// residual block; on the way up, per level, ResBlocks + 1 residual blocks, each on the concatenation with the matching
/// skip connection, then nearest ×2 up-sampling and a convolution except at the top; GroupNorm, SiLU and a 3×3 output
/// convolution. See <see cref="UNetGeometry"/> for the sizes that fit.</para>
/// <para>Initialisation: every layer gets PyTorch's default (<see cref="ParameterInitialization"/>), the output
/// convolution included; it is not zeroed, since the seeded re-initialisation of <see cref="VectorFields.Create(FieldConfig, Generator)"/>
/// applies one rule per layer type.</para>
/// <para>Dropout draws from <see cref="TrainingGenerator"/> when it is set (the trainer sets it), else from libtorch's
/// global generator; in evaluation mode there is none.</para>
/// <para>On the CPU the forward pass runs on libtorch's own convolution kernels instead of oneDNN's whenever oneDNN gets
/// one of this network's convolution shapes wrong on this machine (<see cref="Devices.OneDnnForwardCheck"/>; e.g. 24
/// input channels, which base 8 with multipliers 1,2 concatenates on the way up). The output convolution runs with its
/// few channels padded to a block of 16 (<see cref="Devices.ChannelPaddedConvolution"/>), so that with base channels a
/// multiple of 16 every convolution passes <see cref="Devices.OneDnnBackwardCheck"/> and training back-propagates on
/// oneDNN.</para>
/// </remarks>
public sealed class UNetVectorField : VectorField, IDrawsWhileTraining, Devices.IRunsConvolutionShapes
{
    private readonly FieldConfig config;
    private readonly UNetGeometry geometry;
    private readonly UNetDrawSource draws = new();
    private readonly Sequential timeEmbedding;
    private readonly Embedding? labelEmbedding;
    private readonly Conv2d inputConv;
    private readonly ModuleList<UNetStage> down;
    private readonly UNetStage middle;
    private readonly ModuleList<UNetStage> up;
    private readonly GroupNorm outputNorm;
    private readonly Conv2d outputConv;
    private readonly Devices.ConvolutionShape[] shapesRun;

    /// <summary>Builds the UNet that <paramref name="config"/> describes.</summary>
    /// <param name="config">Uses Dim, NumClasses, TimeFeatures, ImageShape, BaseChannels, ChannelMultipliers, ResBlocks,
    /// AttentionResolutions, Heads, Dropout and NormGroups; Kind should be "unet".</param>
    /// <exception cref="ArgumentException"><paramref name="config"/> fails <see cref="FieldConfig.Validate"/>, or its
    /// geometry does not fit (<see cref="UNetGeometry.Of"/>: the message says which sizes work).</exception>
    public UNetVectorField(FieldConfig config) : base("UNetVectorField", config.Dim, config.NumClasses)
    {
        config.Validate();
        this.config = config;
        geometry = UNetGeometry.Of(config);
        int groups = config.NormGroups;
        int width = 4 * config.BaseChannels;
        timeEmbedding = nn.Sequential(nn.Linear(config.TimeFeatures, width), nn.SiLU(), nn.Linear(width, width));
        if (config.NumClasses > 0)
            labelEmbedding = nn.Embedding(config.NumClasses + 1, width);
        inputConv = nn.Conv2d(geometry.Channels, config.BaseChannels, 3, padding: 1);

        int channels = config.BaseChannels;
        var skips = new Stack<int>();
        skips.Push(channels);
        var downStages = new List<UNetStage>();
        for (int level = 0; level < geometry.Levels; level++)
        {
            int outputs = geometry.LevelChannels[level];
            for (int block = 0; block < config.ResBlocks; block++)
            {
                downStages.Add(Stage(new UNetResidualBlock(channels, outputs, width, groups, config.Dropout, draws),
                    geometry.LevelAttention[level] ? new UNetAttentionBlock(outputs, config.Heads, groups) : null));
                channels = outputs;
                skips.Push(channels);
            }
            if (level < geometry.Levels - 1)
            {
                downStages.Add(Stage(new UNetDownsample(channels)));
                skips.Push(channels);
            }
        }
        down = nn.ModuleList(downStages.ToArray());
        middle = Stage(new UNetResidualBlock(channels, channels, width, groups, config.Dropout, draws),
            geometry.LevelAttention[^1] ? new UNetAttentionBlock(channels, config.Heads, groups) : null,
            new UNetResidualBlock(channels, channels, width, groups, config.Dropout, draws));
        var upStages = new List<UNetStage>();
        for (int level = geometry.Levels - 1; level >= 0; level--)
        {
            int outputs = geometry.LevelChannels[level];
            for (int block = 0; block <= config.ResBlocks; block++)
            {
                upStages.Add(Stage(new UNetResidualBlock(channels + skips.Pop(), outputs, width, groups, config.Dropout, draws),
                    geometry.LevelAttention[level] ? new UNetAttentionBlock(outputs, config.Heads, groups) : null,
                    level > 0 && block == config.ResBlocks ? new UNetUpsample(outputs) : null));
                channels = outputs;
            }
        }
        up = nn.ModuleList(upStages.ToArray());
        outputNorm = nn.GroupNorm(groups, channels);
        outputConv = nn.Conv2d(channels, geometry.Channels, 3, padding: 1);
        RegisterComponents();
        shapesRun = modules().OfType<Convolution>()
            .Select(c => (c == outputConv ? Devices.ChannelPaddedConvolution.ShapeRun(outputConv) : Devices.ConvolutionShape.Of(c))
                ?? throw new InvalidOperationException("Every convolution of the UNet is a plain 2-D one."))
            .ToArray();
    }

    private static UNetStage Stage(params nn.Module<Tensor, Tensor, Tensor>?[] blocks) => new(blocks.OfType<nn.Module<Tensor, Tensor, Tensor>>().ToArray());

    /// <summary>Every convolution shape of the forward pass on the CPU: the output convolution's channels padded to a
    /// whole block (<see cref="Devices.ChannelPaddedConvolution"/>), so that the backward pass may run on oneDNN.</summary>
    public IReadOnlyList<Devices.ConvolutionShape> ConvolutionShapesRun => shapesRun;

    /// <summary>The configuration this field was built from.</summary>
    public FieldConfig Config => config;

    /// <summary>The image shape and the levels.</summary>
    public UNetGeometry Geometry => geometry;

    /// <inheritdoc/>
    public Generator? TrainingGenerator
    {
        get => draws.Generator;
        set => draws.Generator = value;
    }

    /// <inheritdoc/>
    public Distributed.RowSlice? TrainingRows
    {
        get => draws.Rows;
        set => draws.Rows = value;
    }

    /// <summary>f(x, t, y): the UNet applied to x read as (batch, C, H, W), flattened back.</summary>
    /// <param name="x">(batch, C·H·W) images, flattened channel by channel, row by row.</param>
    /// <param name="t">(batch, 1) or (1, 1) times.</param>
    /// <param name="labels">(batch) int64 labels in [0, NumClasses]; required when conditional, null otherwise.</param>
    /// <returns>(batch, C·H·W).</returns>
    public override Tensor forward(Tensor x, Tensor t, Tensor? labels)
    {
        CheckLabels(x, labels);
        using var native = Devices.OneDnnForwardCheck.NativeWhereNeeded(shapesRun, x);
        using var scope = NewDisposeScope();
        long batch = x.shape[0];
        var time = TimeFeatures.Encode(t.expand(batch, 1).to(x.dtype), TimeEncoding.Sinusoidal, config.TimeFeatures);
        var e = timeEmbedding.call(time);
        if (labelEmbedding is not null)
            e = e + labelEmbedding.call(labels!);
        var h = inputConv.call(x.reshape(batch, geometry.Channels, geometry.Height, geometry.Width));
        var skips = new Stack<Tensor>();
        skips.Push(h);
        foreach (var stage in down)
        {
            h = stage.call(h, e);
            skips.Push(h);
        }
        h = middle.call(h, e);
        foreach (var stage in up)
            h = stage.call(cat(new[] { h, skips.Pop() }, dim: 1), e);
        var output = Devices.ChannelPaddedConvolution.Forward(outputConv, nn.functional.silu(outputNorm.call(h)));
        return output.reshape(batch, Dim).MoveToOuterDisposeScope();
    }
}

using System.CommandLine;
using PrecondFlow.Cli.Console;
using PrecondFlow.Training;

namespace PrecondFlow.Cli.Arguments;

/// <summary>Optimizer and schedule settings.</summary>
internal sealed class TrainingArguments
{
    public TrainingArguments(int steps = 3000, int batchSize = 512, double learningRate = 2e-3)
    {
        Steps = CommonOptions.Positive("--steps", "Optimizer steps.", steps);
        BatchSize = CommonOptions.Positive("--batch-size", "Points per minibatch.", batchSize);
        LearningRate = CommonOptions.PositiveReal("--lr", "Peak learning rate of AdamW.", learningRate);
    }

    public Option<int> Steps { get; }
    public Option<int> BatchSize { get; }
    public Option<double> LearningRate { get; }

    public Option<double> WeightDecay { get; } = new("--weight-decay") { Description = "AdamW weight decay.", DefaultValueFactory = _ => 0.0 };

    public Option<int> Warmup { get; } = new("--warmup") { Description = "Linear learning-rate warm-up steps.", DefaultValueFactory = _ => 0 };

    public Option<bool> ConstantLearningRate { get; } = new("--constant-lr") { Description = "Keep the learning rate constant after warm-up (default: cosine decay to zero)." };

    public Option<double> GradientClip { get; } = new("--grad-clip") { Description = "Clip the global gradient norm at this value (0 = off).", DefaultValueFactory = _ => 1.0 };

    public Option<double> Ema { get; } = new("--ema") { Description = "Decay of an exponential moving average of the weights used for sampling (0 = off), e.g. 0.999; update n uses min(decay, (1 + n)/(10 + n)), so the random initial weights are forgotten early.", DefaultValueFactory = _ => 0.0 };

    public Option<double> LabelDropout { get; } = new("--label-dropout") { Description = "Probability of dropping a label during training, so the model also serves classifier-free guidance.", DefaultValueFactory = _ => 0.0 };

    public Option<string> TimeSampling { get; } = new Option<string>("--time-sampling")
    {
        Description = "Training times: uniform, logit-normal, or logit-normal-weighted (importance-weighted back to the uniform objective).",
        DefaultValueFactory = _ => "uniform",
    }.AcceptOnlyFromAmong("uniform", "logit-normal", "logit-normal-weighted");

    public Option<int> LogEvery { get; } = CommonOptions.Positive("--log-every", "Record the loss (one read-back from the device) every this many steps.", 50);

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Steps, BatchSize, LearningRate, WeightDecay, Warmup, ConstantLearningRate, GradientClip, Ema, LabelDropout, TimeSampling, LogEvery })
            command.Options.Add(option);
    }

    public TrainingOptions Read(ParseResult parse, long seed)
    {
        var time = parse.GetValue(TimeSampling) switch
        {
            "logit-normal" => new TimeSampling(TimeDistribution.LogitNormal),
            "logit-normal-weighted" => new TimeSampling(TimeDistribution.LogitNormal, ImportanceWeighted: true),
            _ => new TimeSampling(),
        };
        double clip = parse.GetValue(GradientClip);
        double ema = parse.GetValue(Ema);
        var options = new TrainingOptions(
            Steps: parse.GetValue(Steps),
            BatchSize: parse.GetValue(BatchSize),
            LearningRate: parse.GetValue(LearningRate),
            WeightDecay: parse.GetValue(WeightDecay),
            WarmupSteps: parse.GetValue(Warmup),
            CosineDecay: !parse.GetValue(ConstantLearningRate),
            GradientClip: clip > 0 ? clip : null,
            EmaDecay: ema > 0 ? ema : null,
            LabelDropout: parse.GetValue(LabelDropout),
            Time: time,
            LogEvery: parse.GetValue(LogEvery),
            Seed: seed);
        options.Validate();
        return options;
    }
}

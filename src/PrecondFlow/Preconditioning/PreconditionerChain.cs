using System.Diagnostics;
using System.Text.Json.Nodes;
using PrecondFlow.Data;
using PrecondFlow.Preconditioning.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Preconditioning;

/// <summary>
/// The composition P = Pₙ ∘ … ∘ P₁ of invertible maps, itself a preconditioner (TorchSharp's <c>ComposeTransform</c>):
/// Forward applies the members in order and sums their log-dets, Inverse applies their inverses in reverse order.
/// The chain owns its members and disposes them.
/// </summary>
/// <remarks>A typical chain whitens first and lets a RealNVP remove what second moments cannot:
/// <c>new PreconditionerChain(new AffineWhitening(d), new RealNvp(d))</c>.</remarks>
public sealed class PreconditionerChain : IFittablePreconditioner
{
    /// <summary>The kind written in <c>preconditioner.json</c>.</summary>
    public const string Kind = "chain";

    private readonly IPreconditioner[] members;

    /// <param name="members">The maps, first applied first; at least one, all of the same dimension.</param>
    public PreconditionerChain(IEnumerable<IPreconditioner> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        this.members = members.ToArray();
        if (this.members.Length == 0)
            throw new ArgumentException(
                "A preconditioner chain needs at least one member; for no preconditioning use the identity map.", nameof(members));
        if (this.members.Any(m => m is null))
            throw new ArgumentException("A preconditioner chain cannot hold a null member.", nameof(members));
        var dim = this.members[0].Dim;
        var other = Array.FindIndex(this.members, m => m.Dim != dim);
        if (other >= 0)
            throw new ArgumentException(
                $"Every member of a chain must have the same dimension: member 0 ({this.members[0].Name}) has {dim}, " +
                $"member {other} ({this.members[other].Name}) has {this.members[other].Dim}.", nameof(members));
    }

    /// <inheritdoc cref="PreconditionerChain(IEnumerable{IPreconditioner})"/>
    public PreconditionerChain(params IPreconditioner[] members) : this((IEnumerable<IPreconditioner>)members)
    {
    }

    /// <inheritdoc/>
    public string Name => Kind;

    /// <summary>True when any member is conditional; labels are passed to every member.</summary>
    public bool IsConditional => members.Any(m => m.IsConditional);

    /// <summary>The members' common dimension.</summary>
    public int Dim => members[0].Dim;

    /// <summary>The largest member's number of classes (conditional members of one chain share the labels); 0 when
    /// no member is conditional.</summary>
    public int NumClasses => members.Max(m => m.NumClasses);

    /// <summary>The sum over the members.</summary>
    public long ParameterCount => members.Sum(m => m.ParameterCount);

    /// <summary>True when every member's log-det is exact.</summary>
    public bool HasExactLogDet => members.All(m => m.HasExactLogDet);

    /// <summary>True when every fittable member is fitted.</summary>
    public bool IsFitted => members.OfType<IFittablePreconditioner>().All(m => m.IsFitted);

    /// <summary>The members, first applied first.</summary>
    public IReadOnlyList<IPreconditioner> Members => members;

    /// <summary>
    /// Fits the members in order, each on the data as mapped by the members before it; member i gets seed + i.
    /// Members that are not <see cref="IFittablePreconditioner"/> are used as they are.
    /// </summary>
    public PreconditionerFitReport Fit(PointCloud data, long seed = 0, IProgress<PreconditionerProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var clock = Stopwatch.StartNew();
        Inputs.CheckPoints(data.Points, Dim, "A preconditioner chain", nameof(data));
        var reports = new List<PreconditionerFitReport>();
        using var scope = torch.NewDisposeScope();
        var current = data;
        for (var i = 0; i < members.Length; i++)
        {
            if (members[i] is IFittablePreconditioner fittable)
                reports.Add(fittable.Fit(current, seed + i, progress));
            if (i < members.Length - 1)
            {
                using var noGrad = torch.no_grad();
                current = current with { Points = members[i].Transform(current.Points.detach(), current.Labels) };
            }
        }
        var last = reports.LastOrDefault(r => r.FinalLoss is not null);
        return new PreconditionerFitReport(Kind, clock.Elapsed.TotalSeconds, last?.FinalLoss, last?.LossTrace ?? [],
            null, reports.SelectMany(r => r.Notes.Select(n => $"{r.Name}: {n}")).ToArray(), reports);
    }

    /// <summary>z = Pₙ(… P₁(x)), log-det = the sum of the members' log-dets; the labels are passed to every member.</summary>
    /// <inheritdoc/>
    public (Tensor Z, Tensor LogAbsDet) Forward(Tensor x, Tensor? labels = null)
    {
        Inputs.CheckPoints(x, Dim, "A preconditioner chain", nameof(x));
        using var scope = torch.NewDisposeScope();
        var logDet = torch.zeros(x.shape[0], dtype: x.dtype, device: x.device);
        foreach (var member in members)
        {
            (x, var step) = member.Forward(x, labels);
            logDet = logDet + step;
        }
        return (x.MoveToOuterDisposeScope(), logDet.MoveToOuterDisposeScope());
    }

    /// <summary>z = Pₙ(… P₁(x)) through each member's <see cref="IPreconditioner.Transform"/>, skipping log-dets that cost extra work.</summary>
    /// <inheritdoc/>
    public Tensor Transform(Tensor x, Tensor? labels = null)
    {
        Inputs.CheckPoints(x, Dim, "A preconditioner chain", nameof(x));
        using var scope = torch.NewDisposeScope();
        foreach (var member in members)
            x = member.Transform(x, labels);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>x = P₁⁻¹(… Pₙ⁻¹(z)): the members' inverses in reverse order.</summary>
    /// <inheritdoc/>
    public Tensor Inverse(Tensor z, Tensor? labels = null)
    {
        Inputs.CheckPoints(z, Dim, "A preconditioner chain", nameof(z));
        using var scope = torch.NewDisposeScope();
        for (var i = members.Length - 1; i >= 0; i--)
            z = members[i].Inverse(z, labels);
        return z.MoveToOuterDisposeScope();
    }

    /// <summary>kind, dim and the members' descriptions in order.</summary>
    public JsonObject Describe() => new()
    {
        ["kind"] = Kind,
        ["dim"] = Dim,
        ["members"] = new JsonArray(members.Select(m => (JsonNode)m.Describe()).ToArray()),
    };

    /// <summary>Saves member i into the sub-folder <c>member-i</c>, then the chain's own description, which lists them.</summary>
    public void Save(string folder)
    {
        var names = new JsonArray();
        for (var i = 0; i < members.Length; i++)
        {
            var name = MemberFolder(i);
            members[i].Save(Path.Combine(folder, name));
            names.Add(name);
        }
        PreconditionerFolder.Save(folder, new JsonObject { ["kind"] = Kind, ["dim"] = Dim, ["members"] = names },
            writeWeights: null);
    }

    internal static PreconditionerChain Load(Description description)
    {
        var loaded = new List<IPreconditioner>();
        try
        {
            foreach (var node in description.Array("members"))
            {
                var name = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
                if (name is null || name != Path.GetFileName(name) || name is "." or "..")
                    throw description.Invalid("members", "a list of sub-folder names");
                loaded.Add(Preconditioners.Load(Path.Combine(description.Folder, name)));
            }
            var chain = new PreconditionerChain(loaded);
            if (chain.Dim != description.Int("dim"))
                throw description.Invalid("dim", $"the members' dimension {chain.Dim}");
            return chain;
        }
        catch (ArgumentException e)
        {
            foreach (var member in loaded)
                member.Dispose();
            throw new InvalidDataException($"{description.Path}: {e.Message}", e);
        }
        catch
        {
            foreach (var member in loaded)
                member.Dispose();
            throw;
        }
    }

    /// <summary>Disposes every member.</summary>
    public void Dispose()
    {
        foreach (var member in members)
            member.Dispose();
    }

    private static string MemberFolder(int index) => $"member-{index}";
}

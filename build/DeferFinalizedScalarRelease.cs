using System;
using System.IO;
using System.Linq;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Mono.Cecil;
using Mono.Cecil.Cil;

/// <summary>
/// TorchSharp 0.107 turns every .NET number passed to a tensor operation (x * 0.5, t.fill_(1.0), Adam's updates) into a
/// TorchSharp.Scalar that wraps a native c10::Scalar and frees it in its finalizer. Nothing keeps that temporary alive
/// while libtorch reads it: once its handle is loaded the Scalar is unreachable, so a garbage collection started by any
/// other thread during the native call lets the finalizer thread free the c10::Scalar under libtorch's feet. libtorch
/// then reads freed memory and fails with "Expected false to be true" (Scalar.h) or "Unknown scalar type", or crashes.
/// A 20-second loop of fill_ and mul_ beside one allocating thread fails 20-40 times without this patch.
///
/// The patch changes only what the finalizer does: a Scalar that is disposed explicitly is freed at once, as before; a
/// Scalar that reaches its finalizer has its native value parked in a ring of <see cref="RingSize"/> slots and freed
/// when the ring comes round again, that is after that many later finalized Scalars. A native call would have to outlast
/// a whole ring of finalizations to read a freed value; the ring holds at most RingSize × 32 bytes of native memory.
/// Finalizers run on the runtime's single finalizer thread, so the ring needs no lock.
///
/// The task edits only the copies of TorchSharp.dll in the build or publish output (written through a temporary file
/// and a rename, so a hard link into the NuGet cache is never modified) and is idempotent.
/// </summary>
public sealed class DeferFinalizedScalarRelease : Task
{
    public const int RingSize = 1 << 16;
    private const string ReleaseMethodName = "ReleaseNativeScalar";
    private const string NativeDisposeName = "THSTorch_dispose_scalar";

    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    public override bool Execute()
    {
        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            if (!File.Exists(path))
                continue;
            try
            {
                var outcome = PatchFile(path);
                Log.LogMessage(outcome == Outcome.Patched ? MessageImportance.High : MessageImportance.Low,
                    outcome switch
                    {
                        Outcome.Patched => $"PrecondFlow: {Path.GetFileName(path)} now frees finalized Scalars only after {RingSize} later ones, so that a native call never reads a freed value ({path}).",
                        Outcome.AlreadyPatched => $"PrecondFlow: {path} already patched.",
                        _ => $"PrecondFlow: {path} has no Scalar finalizer of the expected form; nothing to do."
                    });
            }
            catch (Exception e) when (e is IOException or BadImageFormatException or InvalidOperationException)
            {
                Log.LogError($"PrecondFlow: could not patch {path}: {e.Message}");
                return false;
            }
        }
        return !Log.HasLoggedErrors;
    }

    private enum Outcome { Patched, AlreadyPatched, NotApplicable }

    private static Outcome PatchFile(string path)
    {
        using var input = new MemoryStream(File.ReadAllBytes(path));
        using var module = ModuleDefinition.ReadModule(input, new ReaderParameters { ReadingMode = ReadingMode.Immediate });
        var outcome = Patch(module);
        if (outcome != Outcome.Patched)
            return outcome;
        var temp = path + ".patching";
        module.Write(temp);
        File.Delete(path); // a fresh inode: a hard link into the package cache stays untouched
        File.Move(temp, path);
        return outcome;
    }

    private static Outcome Patch(ModuleDefinition module)
    {
        var scalar = module.GetType("TorchSharp.Scalar");
        var dispose = scalar?.Methods.SingleOrDefault(m => m.Name == "Dispose" && m.Parameters.Count == 1
            && m.Parameters[0].ParameterType.MetadataType == MetadataType.Boolean && m.HasBody);
        if (scalar is null || dispose is null)
            return Outcome.NotApplicable;
        if (scalar.Methods.Any(m => m.Name == ReleaseMethodName))
            return Outcome.AlreadyPatched;
        var nativeFree = dispose.Body.Instructions.SingleOrDefault(i => i.OpCode == OpCodes.Call
            && i.Operand is MethodReference callee && callee.Name == NativeDisposeName);
        if (nativeFree is null)
            return Outcome.NotApplicable;

        var types = module.TypeSystem;
        var ring = new FieldDefinition("s_finalizedHandles", FieldAttributes.Private | FieldAttributes.Static,
            new ArrayType(types.IntPtr));
        var next = new FieldDefinition("s_nextFinalizedSlot", FieldAttributes.Private | FieldAttributes.Static, types.Int32);
        scalar.Fields.Add(ring);
        scalar.Fields.Add(next);
        var release = ReleaseMethod(types, ring, next, (MethodReference)nativeFree.Operand);
        scalar.Methods.Add(release);

        // Dispose(bool disposing): THSTorch_dispose_scalar(handle)  →  ReleaseNativeScalar(handle, disposing)
        var il = dispose.Body.GetILProcessor();
        il.InsertBefore(nativeFree, il.Create(OpCodes.Ldarg_1));
        nativeFree.Operand = release;
        return Outcome.Patched;
    }

    /// <summary>
    /// static void ReleaseNativeScalar(IntPtr handle, bool disposing):
    /// disposing ? free(handle) : park handle in the ring and free the one it displaces.
    /// </summary>
    private static MethodDefinition ReleaseMethod(TypeSystem types, FieldReference ring, FieldReference next,
        MethodReference nativeFree)
    {
        var method = new MethodDefinition(ReleaseMethodName,
            MethodAttributes.Private | MethodAttributes.Static | MethodAttributes.HideBySig, types.Void);
        method.Parameters.Add(new ParameterDefinition("handle", ParameterAttributes.None, types.IntPtr));
        method.Parameters.Add(new ParameterDefinition("disposing", ParameterAttributes.None, types.Boolean));
        var displaced = new VariableDefinition(types.IntPtr);
        method.Body.Variables.Add(displaced);
        method.Body.InitLocals = true;

        var il = method.Body.GetILProcessor();
        var park = il.Create(OpCodes.Ldsfld, ring);
        var ringReady = il.Create(OpCodes.Ldsfld, ring);
        var done = il.Create(OpCodes.Ret);

        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Brfalse_S, park);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Call, nativeFree);
        il.Emit(OpCodes.Ret);

        il.Append(park);                                // if (ring == null) ring = new IntPtr[RingSize];
        il.Emit(OpCodes.Brtrue_S, ringReady);
        il.Emit(OpCodes.Ldc_I4, RingSize);
        il.Emit(OpCodes.Newarr, types.IntPtr);
        il.Emit(OpCodes.Stsfld, ring);

        il.Append(ringReady);                           // displaced = ring[next];
        il.Emit(OpCodes.Ldsfld, next);
        il.Emit(OpCodes.Ldelem_I);
        il.Emit(OpCodes.Stloc, displaced);
        il.Emit(OpCodes.Ldsfld, ring);                  // ring[next] = handle;
        il.Emit(OpCodes.Ldsfld, next);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Stelem_I);
        il.Emit(OpCodes.Ldsfld, next);                  // next = (next + 1) & (RingSize - 1);
        il.Emit(OpCodes.Ldc_I4_1);
        il.Emit(OpCodes.Add);
        il.Emit(OpCodes.Ldc_I4, RingSize - 1);
        il.Emit(OpCodes.And);
        il.Emit(OpCodes.Stsfld, next);
        il.Emit(OpCodes.Ldloc, displaced);              // if (displaced != 0) free(displaced);
        il.Emit(OpCodes.Brfalse_S, done);
        il.Emit(OpCodes.Ldloc, displaced);
        il.Emit(OpCodes.Call, nativeFree);
        il.Append(done);
        return method;
    }
}

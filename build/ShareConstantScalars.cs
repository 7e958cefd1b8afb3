using System;
using System.IO;
using System.Linq;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Mono.Cecil;
using Mono.Cecil.Cil;

/// <summary>
/// TorchSharp 0.107 turns every number handed to a tensor operation into a new Scalar with a small native block that only
/// its finalizer frees, and even a tensor sum creates one (a + b runs add(b, alpha: 1)): the Table-4 training step left
/// 89 of them a step. Freed late (at the next collection, and after <c>DeferFinalizedScalarRelease</c>'s ring), those
/// blocks are placed inside the large activation blocks freed a moment before and keep them from merging again. The
/// native heap then grows without bound: in some processes by about 90 MiB every 50 steps (3.9 GiB after 600 steps) at a
/// third of the speed of processes that escaped it.
///
/// This patch makes the implicit conversions int, long, float, double and bool → Scalar hand back one Scalar per value and
/// thread: a per-thread table of <see cref="Slots"/> slots keyed by the value's type and bits. Each hit counts for the
/// value in its slot and each other value that lands there counts against it; a value takes a slot that is free or whose
/// count is used up. A repeated constant (alpha 1, a beta, a dropout rate) then costs no native allocation after its
/// first use, and a stream of one-off values (the times of an ODE solver) cannot push it out; a value that finds its slot
/// held gets an ordinary Scalar, as before. Explicit <c>ToScalar()</c> is unchanged, and
/// <c>Dispose()</c> on a shared Scalar does nothing (a caller that disposes what an implicit conversion returned must not
/// free the value the next caller gets); a shared Scalar is freed by its finalizer once its thread has ended.
///
/// The task edits only the copies of TorchSharp.dll in the build or publish output (through a temporary file and a
/// rename) and is idempotent.
/// </summary>
public sealed class ShareConstantScalars : Task
{
    public const int SlotBits = 12;
    public const int Slots = 1 << SlotBits;
    /// <summary>Hits a shared value counts up to: the one-off values it can outlast in its slot.</summary>
    public const int MaxHits = 1 << 20;
    private const string LookupName = "LookUpSharedScalar";
    private const string PublishName = "ShareScalar";

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
                var patched = PatchFile(path);
                Log.LogMessage(patched ? MessageImportance.High : MessageImportance.Low, patched
                    ? $"PrecondFlow: {Path.GetFileName(path)} now shares one Scalar per repeated constant and thread ({path})."
                    : $"PrecondFlow: {path} already shares constant Scalars, or has no conversions of the expected form.");
            }
            catch (Exception e) when (e is IOException or BadImageFormatException or InvalidOperationException)
            {
                Log.LogError($"PrecondFlow: could not patch {path}: {e.Message}");
                return false;
            }
        }
        return !Log.HasLoggedErrors;
    }

    private static bool PatchFile(string path)
    {
        using var input = new MemoryStream(File.ReadAllBytes(path));
        using var module = ModuleDefinition.ReadModule(input, new ReaderParameters { ReadingMode = ReadingMode.Immediate });
        if (!Patch(module))
            return false;
        var temp = path + ".patching";
        module.Write(temp);
        File.Delete(path); // a fresh inode: a hard link into the package cache stays untouched
        File.Move(temp, path);
        return true;
    }

    /// <summary>The conversions shared, with how each turns its value into the 64 key bits.</summary>
    private enum Kind { Int32 = 1, Int64 = 2, Single = 3, Double = 4, Boolean = 5 }

    private static bool Patch(ModuleDefinition module)
    {
        var scalar = module.GetType("TorchSharp.Scalar");
        if (scalar is null || scalar.Methods.Any(m => m.Name == LookupName))
            return false;
        var dispose = scalar.Methods.SingleOrDefault(m => m.Name == "Dispose" && m.Parameters.Count == 1
            && m.Parameters[0].ParameterType.MetadataType == MetadataType.Boolean && m.HasBody);
        var conversions = Enum.GetValues(typeof(Kind)).Cast<Kind>()
            .Select(kind => (kind, method: scalar.Methods.SingleOrDefault(m => m.Name == "op_Implicit" && m.Parameters.Count == 1
                && m.Parameters[0].ParameterType.MetadataType == MetadataTypeOf(kind) && m.HasBody)))
            .ToArray();
        if (dispose is null || conversions.Any(c => c.method is null))
            return false;

        var types = module.TypeSystem;
        var threadStatic = new TypeReference("System", "ThreadStaticAttribute", module, types.CoreLibrary);
        var threadStaticConstructor = new MethodReference(".ctor", types.Void, threadStatic) { HasThis = true };
        var table = new FieldDefinition("t_sharedScalars", FieldAttributes.Private | FieldAttributes.Static, new ArrayType(scalar));
        table.CustomAttributes.Add(new CustomAttribute(threadStaticConstructor));
        var keyKind = new FieldDefinition("sharedKind", FieldAttributes.Private, types.Int32);
        var keyBits = new FieldDefinition("sharedBits", FieldAttributes.Private, types.Int64);
        var isShared = new FieldDefinition("isShared", FieldAttributes.Private, types.Boolean);
        var hits = new FieldDefinition("sharedHits", FieldAttributes.Private, types.Int32);
        foreach (var field in new[] { table, keyKind, keyBits, isShared, hits })
            scalar.Fields.Add(field);

        var slot = SlotMethod(types);
        var lookup = LookupMethod(types, scalar, table, keyKind, keyBits, hits, slot);
        var publish = PublishMethod(types, scalar, table, keyKind, keyBits, isShared, hits, slot);
        scalar.Methods.Add(slot);
        scalar.Methods.Add(lookup);
        scalar.Methods.Add(publish);

        foreach (var (kind, conversion) in conversions)
            ShareConversion(scalar, conversion!, kind, lookup, publish);
        GuardDispose(dispose, isShared);
        return true;
    }

    private static MetadataType MetadataTypeOf(Kind kind) => kind switch
    {
        Kind.Int32 => MetadataType.Int32,
        Kind.Int64 => MetadataType.Int64,
        Kind.Single => MetadataType.Single,
        Kind.Double => MetadataType.Double,
        _ => MetadataType.Boolean,
    };

    /// <summary>Pushes the 64 key bits of argument 0: the integer widened, a float's or double's bit pattern read in place.</summary>
    private static void EmitKeyBits(ILProcessor il, Kind kind)
    {
        switch (kind)
        {
            case Kind.Int64:
                il.Emit(OpCodes.Ldarg_0);
                break;
            case Kind.Int32:
            case Kind.Boolean:
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Conv_I8);
                break;
            case Kind.Single:
                il.Emit(OpCodes.Ldarga_S, il.Body.Method.Parameters[0]);
                il.Emit(OpCodes.Ldind_I4);
                il.Emit(OpCodes.Conv_I8);
                break;
            case Kind.Double:
                il.Emit(OpCodes.Ldarga_S, il.Body.Method.Parameters[0]);
                il.Emit(OpCodes.Ldind_I8);
                break;
        }
    }

    /// <summary>static int SharedScalarSlot(int kind, long bits): Fibonacci hash of bits ^ (bits >> 32) ^ kind·0x61C88647.</summary>
    private static MethodDefinition SlotMethod(TypeSystem types)
    {
        var method = new MethodDefinition("SharedScalarSlot", MethodAttributes.Private | MethodAttributes.Static | MethodAttributes.HideBySig, types.Int32);
        method.Parameters.Add(new ParameterDefinition("kind", ParameterAttributes.None, types.Int32));
        method.Parameters.Add(new ParameterDefinition("bits", ParameterAttributes.None, types.Int64));
        var il = method.Body.GetILProcessor();
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Ldc_I4, 32);
        il.Emit(OpCodes.Shr_Un);
        il.Emit(OpCodes.Xor);
        il.Emit(OpCodes.Conv_I4);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldc_I4, 0x61C88647);
        il.Emit(OpCodes.Mul);
        il.Emit(OpCodes.Xor);
        il.Emit(OpCodes.Ldc_I4, unchecked((int)0x9E3779B1u));
        il.Emit(OpCodes.Mul);
        il.Emit(OpCodes.Ldc_I4, 32 - SlotBits);
        il.Emit(OpCodes.Shr_Un);
        il.Emit(OpCodes.Ret);
        return method;
    }

    /// <summary>
    /// static Scalar LookUpSharedScalar(int kind, long bits): this thread's Scalar of that value (counting the hit), or
    /// null; a different value in the slot loses one hit, so that a value used often keeps its slot against one-off values
    /// and a value no longer used gives it up.
    /// </summary>
    private static MethodDefinition LookupMethod(TypeSystem types, TypeDefinition scalar, FieldReference table,
        FieldReference keyKind, FieldReference keyBits, FieldReference hits, MethodReference slot)
    {
        var method = new MethodDefinition(LookupName, MethodAttributes.Private | MethodAttributes.Static | MethodAttributes.HideBySig, scalar);
        method.Parameters.Add(new ParameterDefinition("kind", ParameterAttributes.None, types.Int32));
        method.Parameters.Add(new ParameterDefinition("bits", ParameterAttributes.None, types.Int64));
        var found = new VariableDefinition(scalar);
        method.Body.Variables.Add(found);
        method.Body.InitLocals = true;
        var il = method.Body.GetILProcessor();
        var miss = il.Create(OpCodes.Ldnull);
        var collision = il.Create(OpCodes.Ldloc, found);
        var counted = il.Create(OpCodes.Ldloc, found);
        il.Emit(OpCodes.Ldsfld, table);                 // if (table == null) return null;
        il.Emit(OpCodes.Brfalse, miss);
        il.Emit(OpCodes.Ldsfld, table);                 // found = table[slot(kind, bits)];
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Call, slot);
        il.Emit(OpCodes.Ldelem_Ref);
        il.Emit(OpCodes.Stloc, found);
        il.Emit(OpCodes.Ldloc, found);                  // if (found == null) return null;
        il.Emit(OpCodes.Brfalse, miss);
        il.Emit(OpCodes.Ldloc, found);                  // if (found.sharedKind != kind) goto collision;
        il.Emit(OpCodes.Ldfld, keyKind);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Bne_Un, collision);
        il.Emit(OpCodes.Ldloc, found);                  // if (found.sharedBits != bits) goto collision;
        il.Emit(OpCodes.Ldfld, keyBits);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Bne_Un, collision);
        il.Emit(OpCodes.Ldloc, found);                  // if (found.sharedHits < MaxHits) found.sharedHits++;
        il.Emit(OpCodes.Ldfld, hits);
        il.Emit(OpCodes.Ldc_I4, MaxHits);
        il.Emit(OpCodes.Bge, counted);
        il.Emit(OpCodes.Ldloc, found);
        il.Emit(OpCodes.Ldloc, found);
        il.Emit(OpCodes.Ldfld, hits);
        il.Emit(OpCodes.Ldc_I4_1);
        il.Emit(OpCodes.Add);
        il.Emit(OpCodes.Stfld, hits);
        il.Append(counted);                             // return found;
        il.Emit(OpCodes.Ret);
        il.Append(collision);                           // collision: found.sharedHits--; return null;
        il.Emit(OpCodes.Ldloc, found);
        il.Emit(OpCodes.Ldfld, hits);
        il.Emit(OpCodes.Ldc_I4_1);
        il.Emit(OpCodes.Sub);
        il.Emit(OpCodes.Stfld, hits);
        il.Append(miss);
        il.Emit(OpCodes.Ret);
        return method;
    }

    /// <summary>static Scalar ShareScalar(Scalar created, int kind, long bits): puts <c>created</c> in its slot (marking it
    /// shared) unless the slot holds a value with hits to spare, and returns it either way. A value pushed out stays shared:
    /// other code may still hold it, so only its finalizer frees it.</summary>
    private static MethodDefinition PublishMethod(TypeSystem types, TypeDefinition scalar, FieldReference table,
        FieldReference keyKind, FieldReference keyBits, FieldReference isShared, FieldReference hits, MethodReference slot)
    {
        var method = new MethodDefinition(PublishName, MethodAttributes.Private | MethodAttributes.Static | MethodAttributes.HideBySig, scalar);
        method.Parameters.Add(new ParameterDefinition("created", ParameterAttributes.None, scalar));
        method.Parameters.Add(new ParameterDefinition("kind", ParameterAttributes.None, types.Int32));
        method.Parameters.Add(new ParameterDefinition("bits", ParameterAttributes.None, types.Int64));
        var index = new VariableDefinition(types.Int32);
        var occupant = new VariableDefinition(scalar);
        method.Body.Variables.Add(index);
        method.Body.Variables.Add(occupant);
        method.Body.InitLocals = true;
        var il = method.Body.GetILProcessor();
        var tableReady = il.Create(OpCodes.Ldarg_1);
        var take = il.Create(OpCodes.Ldarg_0);
        var done = il.Create(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldsfld, table);                 // if (table == null) table = new Scalar[Slots];
        il.Emit(OpCodes.Brtrue, tableReady);
        il.Emit(OpCodes.Ldc_I4, Slots);
        il.Emit(OpCodes.Newarr, scalar);
        il.Emit(OpCodes.Stsfld, table);
        il.Append(tableReady);                          // index = slot(kind, bits);
        il.Emit(OpCodes.Ldarg_2);
        il.Emit(OpCodes.Call, slot);
        il.Emit(OpCodes.Stloc, index);
        il.Emit(OpCodes.Ldsfld, table);                 // occupant = table[index];
        il.Emit(OpCodes.Ldloc, index);
        il.Emit(OpCodes.Ldelem_Ref);
        il.Emit(OpCodes.Stloc, occupant);
        il.Emit(OpCodes.Ldloc, occupant);               // if (occupant != null && occupant.sharedHits > 0) return created;
        il.Emit(OpCodes.Brfalse, take);
        il.Emit(OpCodes.Ldloc, occupant);
        il.Emit(OpCodes.Ldfld, hits);
        il.Emit(OpCodes.Ldc_I4_0);
        il.Emit(OpCodes.Bgt, done);
        il.Append(take);                                // created.sharedKind = kind; .sharedBits = bits; .isShared = true;
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Stfld, keyKind);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldarg_2);
        il.Emit(OpCodes.Stfld, keyBits);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldc_I4_1);
        il.Emit(OpCodes.Stfld, isShared);
        il.Emit(OpCodes.Ldsfld, table);                 // table[index] = created;
        il.Emit(OpCodes.Ldloc, index);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Stelem_Ref);
        il.Append(done);                                // return created;
        il.Emit(OpCodes.Ret);
        return method;
    }

    /// <summary>
    /// op_Implicit(T value) { return LookUpSharedScalar(kind, bits(value)) ?? ShareScalar(Create(value), kind, bits(value)); }
    /// with the conversion's original body moved to a private Create method.
    /// </summary>
    private static void ShareConversion(TypeDefinition scalar, MethodDefinition conversion, Kind kind,
        MethodReference lookup, MethodReference publish)
    {
        var create = new MethodDefinition("CreateUnshared" + kind, MethodAttributes.Private | MethodAttributes.Static | MethodAttributes.HideBySig,
            conversion.ReturnType);
        create.Parameters.Add(new ParameterDefinition("value", ParameterAttributes.None, conversion.Parameters[0].ParameterType));
        CopyBody(conversion, create);
        scalar.Methods.Add(create);

        conversion.Body = new MethodBody(conversion);
        var il = conversion.Body.GetILProcessor();
        var done = il.Create(OpCodes.Ret);
        il.Emit(OpCodes.Ldc_I4, (int)kind);
        EmitKeyBits(il, kind);
        il.Emit(OpCodes.Call, lookup);
        il.Emit(OpCodes.Dup);
        il.Emit(OpCodes.Brtrue, done);
        il.Emit(OpCodes.Pop);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Call, create);
        il.Emit(OpCodes.Ldc_I4, (int)kind);
        EmitKeyBits(il, kind);
        il.Emit(OpCodes.Call, publish);
        il.Append(done);
    }

    /// <summary>Copies a small body without exception handlers (the conversions': load the value, call, return) to
    /// <paramref name="target"/>, which has the same parameters.</summary>
    private static void CopyBody(MethodDefinition source, MethodDefinition target)
    {
        var from = source.Body;
        if (from.HasExceptionHandlers)
            throw new InvalidOperationException($"{source.FullName} has exception handlers; its body is not copied.");
        var body = target.Body;
        body.InitLocals = from.InitLocals;
        body.MaxStackSize = from.MaxStackSize;
        var variables = from.Variables.ToDictionary(v => v, v => new VariableDefinition(v.VariableType));
        foreach (var variable in from.Variables)
            body.Variables.Add(variables[variable]);
        var copies = from.Instructions.ToDictionary(i => i, i => Instruction.Create(OpCodes.Nop));
        foreach (var original in from.Instructions)
        {
            var copy = copies[original];
            copy.OpCode = original.OpCode;
            copy.Operand = original.Operand switch
            {
                Instruction branch => copies[branch],
                Instruction[] branches => branches.Select(b => copies[b]).ToArray(),
                VariableDefinition variable => variables[variable],
                ParameterDefinition parameter => target.Parameters[parameter.Index],
                var other => other,
            };
            body.Instructions.Add(copy);
        }
    }

    /// <summary>Dispose(bool disposing): returns at once when disposing a shared Scalar; the finalizer still frees it.</summary>
    private static void GuardDispose(MethodDefinition dispose, FieldReference isShared)
    {
        var il = dispose.Body.GetILProcessor();
        var first = dispose.Body.Instructions[0];
        il.InsertBefore(first, il.Create(OpCodes.Ldarg_1));
        il.InsertBefore(first, il.Create(OpCodes.Brfalse, first));
        il.InsertBefore(first, il.Create(OpCodes.Ldarg_0));
        il.InsertBefore(first, il.Create(OpCodes.Ldfld, isShared));
        il.InsertBefore(first, il.Create(OpCodes.Brfalse, first));
        il.InsertBefore(first, il.Create(OpCodes.Ret));
    }
}

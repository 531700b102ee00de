    // ---- uniffi runtime: buffers, calls, handles (fixed code; names filled in) ----

    [StructLayout(LayoutKind.Sequential)]
    internal struct RustBuffer
    {
        public ulong capacity;
        public ulong len;
        public IntPtr data;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct ForeignBytes
    {
        public int len;
        public IntPtr data;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct RustCallStatus
    {
        public sbyte code;
        public RustBuffer error_buf;
    }

    internal delegate T RustCallFunc<T>(ref RustCallStatus status);
    internal delegate void RustCallAction(ref RustCallStatus status);

    /// <summary>The library panicked or broke the uniffi contract.</summary>
    public class InternalException : Exception
    {
        /// <summary>An internal error with its message.</summary>
        public InternalException(string message) : base(message) { }
    }

    /// <summary>The native library does not match these bindings (contract version or an
    /// API checksum differs): regenerate the bindings from the library you load.</summary>
    public class UniffiContractException : Exception
    {
        /// <summary>A contract mismatch with its message.</summary>
        public UniffiContractException(string message) : base(message) { }
    }

    internal sealed class BufWriter
    {
        private byte[] bytes = new byte[64];
        private int len;

        private void Reserve(int n)
        {
            if (len + n <= bytes.Length) return;
            int size = Math.Max(bytes.Length * 2, len + n);
            Array.Resize(ref bytes, size);
        }

        public void WriteU8(byte v) { Reserve(1); bytes[len++] = v; }
        public void WriteI8(sbyte v) { WriteU8((byte)v); }
        public void WriteU16(ushort v) { Reserve(2); bytes[len++] = (byte)(v >> 8); bytes[len++] = (byte)v; }
        public void WriteI16(short v) { WriteU16((ushort)v); }
        public void WriteU32(uint v)
        {
            Reserve(4);
            for (int shift = 24; shift >= 0; shift -= 8) bytes[len++] = (byte)(v >> shift);
        }
        public void WriteI32(int v) { WriteU32((uint)v); }
        public void WriteU64(ulong v)
        {
            Reserve(8);
            for (int shift = 56; shift >= 0; shift -= 8) bytes[len++] = (byte)(v >> shift);
        }
        public void WriteI64(long v) { WriteU64((ulong)v); }
        public void WriteF32(float v)
        {
            byte[] b = BitConverter.GetBytes(v);
            if (BitConverter.IsLittleEndian) Array.Reverse(b);
            WriteRaw(b);
        }
        public void WriteF64(double v)
        {
            byte[] b = BitConverter.GetBytes(v);
            if (BitConverter.IsLittleEndian) Array.Reverse(b);
            WriteRaw(b);
        }
        public void WriteBool(bool v) { WriteI8(v ? (sbyte)1 : (sbyte)0); }
        public void WriteRaw(byte[] b)
        {
            Reserve(b.Length);
            Buffer.BlockCopy(b, 0, bytes, len, b.Length);
            len += b.Length;
        }
        public void WriteString(string v)
        {
            if (v == null) throw new ArgumentNullException("a string value");
            byte[] b = Utf8.GetBytes(v);
            WriteI32(b.Length);
            WriteRaw(b);
        }
        public void WriteBytes(byte[] v)
        {
            if (v == null) throw new ArgumentNullException("a byte array value");
            WriteI32(v.Length);
            WriteRaw(v);
        }
        public byte[] ToArray()
        {
            byte[] result = new byte[len];
            Buffer.BlockCopy(bytes, 0, result, 0, len);
            return result;
        }

        internal static readonly UTF8Encoding Utf8 = new UTF8Encoding(false, true);
    }

    internal sealed class BufReader
    {
        private readonly byte[] bytes;
        private readonly int length;
        private int pos;

        // Strings repeated in one buffer (an organisation, a code system or a status on every
        // item of a summary) are made once: a string costs mono far more to allocate and
        // collect than to find. Only in a large buffer, and only while it is read: the table
        // is cleared when the read ends (Done), so no string outlives the value being read.
        // The table itself is kept for this thread's next large buffer: a new one per buffer
        // is, for mono, a large-object allocation (over 8 KB), and those bring its major
        // collections forward.
        private const int SharedSlots = 4096;
        private const int SharedMaxBytes = 64;
        [ThreadStatic] private static string[] sharedKept;
        [ThreadStatic] private static int[] sharedAtKept;
        private string[] shared;
        private int[] sharedAt;

        // The small reads are inlined (mono inlines only the smallest methods by itself): a
        // large summary makes hundreds of thousands of them.
        public BufReader(byte[] bytes) : this(bytes, bytes.Length) { }

        /// <summary>Reads the first <c>length</c> bytes of <c>bytes</c>.</summary>
        public BufReader(byte[] bytes, int length)
        {
            this.bytes = bytes;
            this.length = length;
            if (length >= 16 * 1024)
            {
                shared = sharedKept ?? new string[SharedSlots];
                sharedAt = sharedAtKept ?? new int[SharedSlots];
                // A reader made on this thread before Done (a nested lift) makes its own.
                sharedKept = null;
                sharedAtKept = null;
            }
        }

        /// <summary>Ends the read: forgets the strings it shared and gives the table back to
        /// this thread.</summary>
        public void Done()
        {
            if (shared == null) return;
            Array.Clear(shared, 0, SharedSlots);
            sharedKept = shared;
            sharedAtKept = sharedAt;
            shared = null;
            sharedAt = null;
        }

        public int Remaining { get { return length - pos; } }

        // The check is inlined and the throw is not: mono inlines no method that throws
        // (it called this one on every read). Unsigned, so a negative or huge n fails too.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Need(int n)
        {
            if ((uint)n > (uint)(length - pos)) Ended();
        }

        private static void Ended()
        {
            throw new InternalException("buffer ended early");
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public byte ReadU8() { Need(1); return bytes[pos++]; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public sbyte ReadI8() { return (sbyte)ReadU8(); }
        public ushort ReadU16() { Need(2); ushort v = (ushort)((bytes[pos] << 8) | bytes[pos + 1]); pos += 2; return v; }
        public short ReadI16() { return (short)ReadU16(); }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public uint ReadU32()
        {
            Need(4);
            uint v = ((uint)bytes[pos] << 24) | ((uint)bytes[pos + 1] << 16) | ((uint)bytes[pos + 2] << 8) | bytes[pos + 3];
            pos += 4;
            return v;
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int ReadI32() { return (int)ReadU32(); }
        public ulong ReadU64()
        {
            Need(8);
            ulong v = 0;
            for (int i = 0; i < 8; i++) v = (v << 8) | bytes[pos++];
            return v;
        }
        public long ReadI64() { return (long)ReadU64(); }
        public float ReadF32() { byte[] b = ReadRaw(4); if (BitConverter.IsLittleEndian) Array.Reverse(b); return BitConverter.ToSingle(b, 0); }
        public double ReadF64() { byte[] b = ReadRaw(8); if (BitConverter.IsLittleEndian) Array.Reverse(b); return BitConverter.ToDouble(b, 0); }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool ReadBool()
        {
            sbyte v = ReadI8();
            if (v == 0) return false;
            if (v == 1) return true;
            throw new InternalException("unexpected boolean byte " + v);
        }
        public byte[] ReadRaw(int n)
        {
            if (n < 0) throw new InternalException("negative length");
            Need(n);
            byte[] b = new byte[n];
            Buffer.BlockCopy(bytes, pos, b, 0, n);
            pos += n;
            return b;
        }
        public string ReadString()
        {
            int n = ReadI32();
            if (n < 0) throw new InternalException("negative length");
            Need(n);
            string s = shared != null && n <= SharedMaxBytes ? Shared(n) : BufWriter.Utf8.GetString(bytes, pos, n);
            pos += n;
            return s;
        }

        /// <summary>The string of the <c>n</c> bytes at <c>pos</c>, the one made earlier when
        /// the same bytes came before. The slot is picked by the length and the first and last
        /// four bytes (a loop over every byte costs mono more than it saves, and so does
        /// BitConverter, a call mono does not inline); the bytes are then compared, so strings
        /// that share a slot only cost a new string.</summary>
        private string Shared(int n)
        {
            uint h;
            if (n >= 4)
            {
                h = (Word(pos) * 0x9E3779B1u) ^ (Word(pos + n - 4) * 0x85EBCA77u) ^ ((uint)n * 0xC2B2AE3Du);
            }
            else
            {
                h = (uint)n;
                for (int i = pos, end = pos + n; i < end; i++) h = (h << 8) | bytes[i];
                h *= 0x9E3779B1u;
            }
            int slot = (int)((h >> 19) & (SharedSlots - 1));
            string known = shared[slot];
            if (known != null && SameBytes(sharedAt[slot], n)) return known;
            string s = BufWriter.Utf8.GetString(bytes, pos, n);
            shared[slot] = s;
            sharedAt[slot] = pos;
            return s;
        }

        /// <summary>Whether the <c>n</c> bytes at <c>at</c> (a string read before, with its
        /// length prefix just before it) are those at <c>pos</c>.</summary>
        private bool SameBytes(int at, int n)
        {
            if (Word(at - 4) != (uint)n) return false;
            int i = 0;
            for (; i + 8 <= n; i += 8)
            {
                if (BitConverter.ToInt64(bytes, at + i) != BitConverter.ToInt64(bytes, pos + i)) return false;
            }
            for (; i < n; i++) if (bytes[at + i] != bytes[pos + i]) return false;
            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private uint Word(int at)
        {
            return ((uint)bytes[at] << 24) | ((uint)bytes[at + 1] << 16) | ((uint)bytes[at + 2] << 8) | bytes[at + 3];
        }

        public byte[] ReadBytes() { return ReadRaw(ReadI32()); }
    }

    internal static class UniffiRuntime
    {
        internal static byte[] TakeBytes(RustBuffer buf)
        {
            try
            {
                if (buf.len > int.MaxValue) throw new InternalException("buffer too large");
                byte[] bytes = new byte[(int)buf.len];
                if (buf.len > 0) Marshal.Copy(buf.data, bytes, 0, (int)buf.len);
                return bytes;
            }
            finally
            {
                Free(buf);
            }
        }

        internal static void Free(RustBuffer buf)
        {
            var status = new RustCallStatus();
            Native.{{RUSTBUFFER_FREE}}(buf, ref status);
            if (status.code != 0) throw new InternalException("rustbuffer_free failed");
        }

        internal static RustBuffer FromBytes(byte[] bytes)
        {
            var status = new RustCallStatus();
            RustBuffer buf = Native.{{RUSTBUFFER_ALLOC}}((ulong)bytes.Length, ref status);
            if (status.code != 0) throw new InternalException("rustbuffer_alloc failed");
            if (bytes.Length > 0) Marshal.Copy(bytes, 0, buf.data, bytes.Length);
            buf.len = (ulong)bytes.Length;
            return buf;
        }

        internal static T Lift<T>(RustBuffer buf, Func<BufReader, T> read)
        {
            return Use(buf, (bytes, n) =>
            {
                var reader = new BufReader(bytes, n);
                try
                {
                    T value = read(reader);
                    if (reader.Remaining != 0) throw new InternalException("junk after a value in a buffer");
                    return value;
                }
                finally
                {
                    reader.Done();
                }
            });
        }

        /// <summary>A large buffer is copied into this thread's scratch array rather than a new
        /// one: a large array per call (a whole summary) costs mono a large-object allocation
        /// and more frequent full collections, far more than the copy. The array is cleared
        /// after each use (nothing read stays in it), and kept for the next.</summary>
        [ThreadStatic] private static byte[] scratch;
        private const int ScratchFrom = 64 * 1024;

        /// <summary>Hands the bytes of a Rust buffer (an array and how many of its bytes) to
        /// <c>use</c>, and frees the buffer.</summary>
        internal static T Use<T>(RustBuffer buf, Func<byte[], int, T> use)
        {
            if (buf.len < ScratchFrom || buf.len > int.MaxValue)
            {
                byte[] own = TakeBytes(buf);
                return use(own, own.Length);
            }
            int n = (int)buf.len;
            byte[] bytes = scratch;
            scratch = null; // a nested use on this thread takes an array of its own
            if (bytes == null || bytes.Length < n) bytes = new byte[n];
            try
            {
                try
                {
                    Marshal.Copy(buf.data, bytes, 0, n);
                }
                finally
                {
                    Free(buf);
                }
                return use(bytes, n);
            }
            finally
            {
                Array.Clear(bytes, 0, n);
                scratch = bytes;
            }
        }

        internal static RustBuffer Lower<T>(T value, Action<T, BufWriter> write)
        {
            var writer = new BufWriter();
            write(value, writer);
            return FromBytes(writer.ToArray());
        }

        /// <summary>Bytes at the top level: one copy straight out of the Rust buffer (a
        /// length prefix, then the bytes).</summary>
        internal static byte[] LiftBytes(RustBuffer buf)
        {
            try
            {
                if (buf.len < 4) throw new InternalException("byte buffer without its length");
                int n = FromBigEndian(Marshal.ReadInt32(buf.data));
                if (n < 0 || (ulong)n + 4 != buf.len) throw new InternalException("byte buffer length mismatch");
                byte[] bytes = new byte[n];
                if (n > 0) Marshal.Copy(IntPtr.Add(buf.data, 4), bytes, 0, n);
                return bytes;
            }
            finally
            {
                Free(buf);
            }
        }

        private static int FromBigEndian(int bigEndian)
        {
            if (!BitConverter.IsLittleEndian) return bigEndian;
            uint v = (uint)bigEndian;
            return (int)((v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24));
        }

        internal static string LiftString(RustBuffer buf)
        {
            return Use(buf, (bytes, n) => BufWriter.Utf8.GetString(bytes, 0, n));
        }

        internal static RustBuffer LowerString(string value)
        {
            if (value == null) throw new ArgumentNullException("a string argument");
            return FromBytes(BufWriter.Utf8.GetBytes(value));
        }

        private static void Check(ref RustCallStatus status, Func<RustBuffer, Exception> error)
        {
            switch (status.code)
            {
                case 0:
                    return;
                case 1:
                    if (error == null) throw new InternalException("unexpected error from a call that declares none");
                    throw error(status.error_buf);
                case 2:
                    string message = status.error_buf.len > 0 ? LiftString(status.error_buf) : "Rust panic";
                    throw new InternalException(message);
                default:
                    throw new InternalException("unknown rust call status " + status.code);
            }
        }

        internal static T Call<T>(Func<RustBuffer, Exception> error, RustCallFunc<T> call)
        {
            var status = new RustCallStatus();
            T result = call(ref status);
            Check(ref status, error);
            return result;
        }

        internal static void CallVoid(Func<RustBuffer, Exception> error, RustCallAction call)
        {
            var status = new RustCallStatus();
            call(ref status);
            Check(ref status, error);
        }
    }

    /// <summary>A handle to a Rust object: cloned for every call (each call consumes the
    /// handle it is given), freed once by <c>Dispose</c> or the finalizer after the last
    /// call in flight.</summary>
    internal sealed class UniffiHandle
    {
        private readonly ulong handle;
        private readonly Func<ulong, ulong> cloneFn;
        private readonly Action<ulong> freeFn;
        private readonly string typeName;
        private long callCounter = 1;
        private int disposed;

        internal UniffiHandle(ulong handle, string typeName, Func<ulong, ulong> cloneFn, Action<ulong> freeFn)
        {
            if (handle == 0) throw new InternalException("null handle for " + typeName);
            this.handle = handle;
            this.typeName = typeName;
            this.cloneFn = cloneFn;
            this.freeFn = freeFn;
        }

        internal ulong Clone()
        {
            while (true)
            {
                long count = Interlocked.Read(ref callCounter);
                if (count == 0 || Volatile.Read(ref disposed) != 0)
                    throw new ObjectDisposedException(typeName);
                if (Interlocked.CompareExchange(ref callCounter, count + 1, count) == count) break;
            }
            try
            {
                return cloneFn(handle);
            }
            finally
            {
                Release();
            }
        }

        private void Release()
        {
            if (Interlocked.Decrement(ref callCounter) == 0) freeFn(handle);
        }

        internal void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0) Release();
        }
    }


    // ---- callback interfaces: the host's objects behind handles Rust holds ----

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate void UniffiCallbackFree(ulong handle);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate ulong UniffiCallbackClone(ulong handle);

    /// <summary>The host's callback objects that Rust holds, by handle. Handles are odd
    /// (the lowest bit set marks a foreign handle, as in uniffi's own bindings); each
    /// lowering inserts a new entry, and Rust frees each handle it was given exactly once
    /// (through the vtable's free entry) when it drops the object.</summary>
    internal sealed class UniffiHandleMap<T> where T : class
    {
        private readonly Dictionary<ulong, T> map = new Dictionary<ulong, T>();
        private ulong next = 1;

        internal ulong Insert(T value)
        {
            if (value == null) throw new ArgumentNullException("a callback object");
            lock (map)
            {
                ulong handle = next;
                next += 2;
                map.Add(handle, value);
                Interlocked.Increment(ref UniffiCallbacks.live);
                return handle;
            }
        }

        internal T Get(ulong handle)
        {
            lock (map)
            {
                T value;
                if (!map.TryGetValue(handle, out value)) throw new InternalException("unknown callback handle " + handle);
                return value;
            }
        }

        internal ulong Clone(ulong handle)
        {
            return Insert(Get(handle));
        }

        internal void Remove(ulong handle)
        {
            lock (map)
            {
                if (map.Remove(handle)) Interlocked.Decrement(ref UniffiCallbacks.live);
            }
        }
    }

    /// <summary>What the library holds of the host's callback objects.</summary>
    public static class UniffiCallbacks
    {
        internal static long live;

        /// <summary>How many callback objects the native library holds now (each passed
        /// callback until the library drops it): zero once every call that took one has
        /// returned and let it go. For leak checks in tests.</summary>
        public static long Live()
        {
            return Interlocked.Read(ref live);
        }

        /// <summary>Reports an exception of the host's callback to Rust as an unexpected
        /// error (code 2) with its text; never throws, so nothing crosses into Rust.</summary>
        internal static void Unexpected(ref RustCallStatus status, Exception e)
        {
            status.code = 2;
            try
            {
                status.error_buf = UniffiRuntime.LowerString(e.GetType().FullName + ": " + e.Message);
            }
            catch (Exception)
            {
                status.error_buf = new RustBuffer();
            }
        }
    }

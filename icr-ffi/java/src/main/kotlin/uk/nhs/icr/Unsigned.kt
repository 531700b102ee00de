@file:JvmName("Unsigned")

package uk.nhs.icr

// Java has no unsigned types, and Kotlin's (UInt, ULong, ...) are value classes whose
// getters and constructors Java cannot name. The binding is compiled with
// -Xjvm-expose-boxed, so every such member also has a Java-callable form taking and
// returning the boxed kotlin.UInt / kotlin.ULong; these convert between those boxes and
// Java's numbers (`import static uk.nhs.icr.Unsigned.*`):
//
//     new FetchSettings(ulong(3000), null, null, false)   // deadline_ms: Option<u64>
//     long requests = value(outcome.getRequests());        // requests: u32
//
// (The argument makers are typed nullable only so that Java receives the box; they never
// return null.)

/** A u64 argument from a Java long (at least 0). */
fun ulong(value: Long): ULong? {
    require(value >= 0) { "an unsigned value cannot be negative: $value" }
    return value.toULong()
}

/** A u32 argument from a Java int or long (0 to 4294967295). */
fun uint(value: Long): UInt? {
    require(value in 0..UInt.MAX_VALUE.toLong()) { "not a u32: $value" }
    return value.toUInt()
}

/** A u16 argument (0 to 65535). */
fun ushort(value: Int): UShort? {
    require(value in 0..UShort.MAX_VALUE.toInt()) { "not a u16: $value" }
    return value.toUShort()
}

/** A u8 argument (0 to 255). */
fun ubyte(value: Int): UByte? {
    require(value in 0..UByte.MAX_VALUE.toInt()) { "not a u8: $value" }
    return value.toUByte()
}

/** A u64 as a Java long; above Long.MAX_VALUE it throws rather than turn negative. */
fun value(value: ULong): Long {
    require(value <= Long.MAX_VALUE.toULong()) { "$value does not fit a Java long" }
    return value.toLong()
}

/** A u32 as a Java long. */
fun value(value: UInt): Long = value.toLong()

/** A u16 as a Java int. */
fun value(value: UShort): Int = value.toInt()

/** A u8 as a Java int. */
fun value(value: UByte): Int = value.toInt()

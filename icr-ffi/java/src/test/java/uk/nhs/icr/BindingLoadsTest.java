package uk.nhs.icr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static uk.nhs.icr.Unsigned.uint;
import static uk.nhs.icr.Unsigned.ulong;
import static uk.nhs.icr.Unsigned.value;

import com.sun.jna.Platform;
import icr.FetchSettings;
import icr.IcrKt;
import icr.LiveObjects;
import org.junit.jupiter.api.Test;

/**
 * The artifact itself: the native library sits where JNA looks for it on the class path,
 * and the binding reaches it (functions every build exports, demo or not). The whole API is
 * tested from a host, examples/java-host, against the installed jar.
 */
class BindingLoadsTest {
    @Test
    void nativeLibraryIsUnderJnasPlatformFolder() {
        String path = Platform.RESOURCE_PREFIX + "/" + System.mapLibraryName("icr_ffi");
        assertNotNull(getClass().getClassLoader().getResource(path), path + " on the class path");
    }

    @Test
    void bindingCallsTheLibrary() {
        LiveObjects live = IcrKt.liveObjects();
        assertEquals(0L, live.getSessions(), "no session open");
        assertTrue(IcrKt.defaultPolicyJson().contains("\"roles\""), "the default policy");
    }

    @Test
    void unsignedNumbersCrossFromJava() {
        FetchSettings settings = new FetchSettings(ulong(3000), uint(2), null, false);
        assertEquals(3000L, value(settings.getDeadlineMs()));
        assertEquals(2L, value(settings.getMaxAttempts()));
        assertEquals(4294967295L, value(uint(4294967295L)));
        assertThrows(IllegalArgumentException.class, () -> ulong(-1));
    }
}

package io.schemaguard.operator.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.schemaguard.api.MigrationPhase;
import io.schemaguard.api.SafeMigration;
import io.schemaguard.api.SafeMigrationStatus;
import io.schemaguard.api.SecretKeySelector;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which SafeMigration of a database goes first: one at a time, in order of creation. */
class MigrationQueueTest {

    static SafeMigration migration(String name, String created, String dbName, MigrationPhase phase) {
        SafeMigration m = MigrationProgressTest.migration();
        m.setMetadata(new ObjectMetaBuilder()
                .withNamespace("shop")
                .withName(name)
                .withUid("uid-" + name)
                .withGeneration(1L)
                .withCreationTimestamp(created)
                .build());
        m.getSpec().getDatabase().setName(dbName);
        if (phase != null) {
            SafeMigrationStatus s = new SafeMigrationStatus();
            SafeMigrationStatus.MigrationRun run = new SafeMigrationStatus.MigrationRun();
            run.setPhase(phase);
            s.setCurrentRun(run);
            m.setStatus(s);
        }
        return m;
    }

    @ParameterizedTest(name = "other on {0}, created {1}, named {2}, in {3}: busy={4}")
    @CsvSource(
            delimiter = '|',
            value = {
                // other's database | created              | name   | phase              | busy
                "shop               | 2026-11-25T10:00:00Z | aaa    | Migrating          | true",
                "shop               | 2026-11-25T12:00:00Z | zzz    | Restoring          | true",
                "shop               | 2026-11-25T10:00:00Z | zzz    | WaitingForDatabase | true",
                "shop               | 2026-11-25T12:00:00Z | aaa    | WaitingForDatabase | false",
                // same second: the name breaks the tie
                "shop               | 2026-11-25T11:00:00Z | aaa    | WaitingForDatabase | true",
                "shop               | 2026-11-25T11:00:00Z | zzz    | WaitingForDatabase | false",
                // not changing the database (yet, or any more)
                "shop               | 2026-11-25T10:00:00Z | aaa    | Rehearsing         | false",
                "shop               | 2026-11-25T10:00:00Z | aaa    | Succeeded          | false",
                "shop               | 2026-11-25T10:00:00Z | aaa    |                    | false",
                // another database of the same server
                "billing            | 2026-11-25T10:00:00Z | aaa    | Migrating          | false",
            })
    void oneAtATimeInOrderOfCreation(String database, String created, String name, MigrationPhase phase, boolean busy) {
        SafeMigration me = migration("mmm", "2026-11-25T11:00:00Z", "shop", MigrationPhase.WaitingForDatabase);
        SafeMigration other = migration(name, created, database, phase);
        assertThat(MigrationQueue.databaseBusy(me, List.of(me, other))).isEqualTo(busy);
    }

    @Test
    void aMigrationNeverWaitsForItself() {
        SafeMigration me = migration("mmm", "2026-11-25T11:00:00Z", "shop", MigrationPhase.Migrating);
        assertThat(MigrationQueue.databaseBusy(me, List.of(me))).isFalse();
    }

    @Test
    void aUriSecretIsTheDatabaseWhateverHostFieldsSay() {
        SafeMigration a = migration("a", "2026-11-25T10:00:00Z", "shop", null);
        SafeMigration b = migration("b", "2026-11-25T10:00:00Z", "billing", null);
        a.getSpec().getDatabase().setUriSecretRef(new SecretKeySelector("db-uri", "uri"));
        b.getSpec().getDatabase().setUriSecretRef(new SecretKeySelector("db-uri", "uri"));
        assertThat(MigrationQueue.databaseKey(a.getSpec().getDatabase()))
                .isEqualTo(MigrationQueue.databaseKey(b.getSpec().getDatabase()));
        assertThat(MigrationQueue.databaseKey(null)).isEmpty();
    }
}

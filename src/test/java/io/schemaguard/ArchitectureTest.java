package io.schemaguard;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.Location;
import io.schemaguard.api.SchemaguardApi;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * One binary, two sides: the operator ({@code io.schemaguard.operator..}: reconcilers, job factories,
 * decisions, status) and the runner in the Jobs' pods ({@code io.schemaguard.runner..}: CLI, pipelines,
 * migration engines, lint, JDBC, storage) meet only in {@code io.schemaguard.api} and
 * {@code io.schemaguard.contract}. The kubectl plugin ({@code io.schemaguard.kubectl..}) is a third side, an API
 * client that knows neither. Checked on the main classes; tests may use both sides.
 */
class ArchitectureTest {

    /** The main classes' own directory (or jar): scanning the whole classpath for the package takes seconds. */
    private static final JavaClasses MAIN = new ClassFileImporter()
            .importLocations(Set.of(Location.of(
                    SchemaguardApi.class.getProtectionDomain().getCodeSource().getLocation())));

    @Test
    void everyClassIsOnOneSideOrInTheSharedPackages() {
        classes()
                .that()
                .resideInAPackage("io.schemaguard..")
                .should()
                .resideInAnyPackage(
                        "io.schemaguard.api",
                        "io.schemaguard.contract",
                        "io.schemaguard.operator..",
                        "io.schemaguard.runner..",
                        "io.schemaguard.kubectl..")
                .because("shared code lives in api or contract, where the rules below keep it honest")
                .check(MAIN);
    }

    @Test
    void theOperatorDoesNotUsePodSideCode() {
        noClasses()
                .that()
                .resideInAPackage("io.schemaguard.operator..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.schemaguard.runner..")
                .because("the operator learns a runner's outcome from the termination message (contract)")
                .check(MAIN);
    }

    @Test
    void thePodSideDoesNotUseTheOperator() {
        noClasses()
                .that()
                .resideInAPackage("io.schemaguard.runner..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.schemaguard.operator..")
                .because("the runner never boots Quarkus or the operator")
                .check(MAIN);
    }

    @Test
    void theKubectlPluginIsAClientOfTheApiOnly() {
        noClasses()
                .that()
                .resideInAPackage("io.schemaguard.kubectl..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.schemaguard.operator..", "io.schemaguard.runner..")
                .because("the plugin sees what any API client sees: the resources (api) and their labels (contract)")
                .check(MAIN);
        noClasses()
                .that()
                .resideInAnyPackage("io.schemaguard.operator..", "io.schemaguard.runner..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.schemaguard.kubectl..")
                .because("the plugin runs on a user's machine, never in the operator or a Job")
                .check(MAIN);
    }

    @Test
    void theContractDependsOnTheApiOnly() {
        classes()
                .that()
                .resideInAPackage("io.schemaguard.contract..")
                .should()
                .onlyDependOnClassesThat(resideInAnyPackage("io.schemaguard.contract..", "io.schemaguard.api..")
                        .or(resideOutsideOfPackage("io.schemaguard..")))
                .check(MAIN);
    }

    @Test
    void theApiDependsOnNoOtherSchemaguardPackage() {
        classes()
                .that()
                .resideInAPackage("io.schemaguard.api..")
                .should()
                .onlyDependOnClassesThat(
                        resideInAPackage("io.schemaguard.api..").or(resideOutsideOfPackage("io.schemaguard..")))
                .check(MAIN);
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching("io.schemaguard.(**)").should().beFreeOfCycles().check(MAIN);
    }
}

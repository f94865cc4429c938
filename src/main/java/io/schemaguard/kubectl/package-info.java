/**
 * The kubectl plugin ({@code kubectl schemaguard}): what it shows and decides, as pure functions of the
 * resources it read (rendering, approval selection, error messages); {@code cli} holds the picocli
 * commands that read and write through the user's kubeconfig. It knows the operator only through
 * {@code api} and {@code contract}, as any other client of the API does.
 */
package io.schemaguard.kubectl;

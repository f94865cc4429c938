package io.schemaguard.runner.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** What each S3 answer means to the user; codes that S3Proxy cannot produce are covered here. */
class S3ErrorClassificationTest {
    private final S3ObjectStore store = new S3ObjectStore(
            StorageLocation.parse("s3://team-backups/pg"),
            new StoreSettings("http://127.0.0.1:1", "us-east-1", true, StoreSettings.MIN_PART_SIZE, 1));

    @ParameterizedTest(name = "{0} {1} on {2}")
    @CsvSource({
        "404, NoSuchBucket, write x, BUCKET_NOT_FOUND",
        "404, , access bucket team-backups, BUCKET_NOT_FOUND",
        "404, NoSuchKey, read x, OBJECT_NOT_FOUND",
        "403, InvalidAccessKeyId, write x, ACCESS_DENIED",
        "403, SignatureDoesNotMatch, write x, ACCESS_DENIED",
        "403, AccessDenied, write x, ACCESS_DENIED",
        "507, , write x, FULL",
        "403, QuotaExceeded, write x, FULL",
        "400, EntityTooLarge, write x, FULL",
        "500, InternalError, write x, OTHER"
    })
    void serverAnswers(int status, String code, String action, StorageException.Kind expected) {
        S3Exception e = (S3Exception) S3Exception.builder()
                .statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder()
                        .errorCode(code)
                        .errorMessage("m")
                        .build())
                .message("m")
                .build();
        assertThat(store.classify(e, action).kind()).isEqualTo(expected);
    }

    @Test
    void aRefusedConnectionIsUnreachable() {
        SdkClientException e =
                SdkClientException.create("Unable to execute HTTP request", new ConnectException("Connection refused"));
        StorageException classified = store.classify(e, "write x");
        assertThat(classified.kind()).isEqualTo(StorageException.Kind.UNREACHABLE);
        assertThat(classified.getMessage()).contains("http://127.0.0.1:1").contains("connection refused");
    }

    @Test
    void aServerErrorSaysWhatTheServerAnsweredNotTheSdksNoise() {
        S3Exception e = (S3Exception) S3Exception.builder()
                .statusCode(500)
                .requestId("r-1")
                .numAttempts(4)
                .awsErrorDetails(AwsErrorDetails.builder()
                        .errorCode("InternalError")
                        .errorMessage("disk failed")
                        .build())
                .message("disk failed (Service: S3, Status Code: 500, Request ID: r-1) (SDK Attempt Count: 4)")
                .build();
        String message = store.classify(e, "upload part 2 of x").getMessage();
        assertThat(message)
                .isEqualTo("cannot upload part 2 of x: http://127.0.0.1:1 answered HTTP 500 InternalError"
                        + " (disk failed) on each of 4 attempts: the storage server itself failed; check its health and logs"
                        + " (request id r-1)");
    }

    @Test
    void aBodyTheServerStoppedReadingIsNamedAsSuch() {
        SdkClientException e = SdkClientException.builder()
                .message("Unable to execute HTTP request: Error writing request" + " body to server")
                .cause(new IOException("Error writing request body to server"))
                .build();
        StorageException classified = store.classify(e, "upload part 1 of x");
        assertThat(classified.kind()).isEqualTo(StorageException.Kind.OTHER);
        assertThat(classified.getMessage())
                .contains("closed the connection while the request body was being sent")
                .doesNotContain("\n");
    }
}

/** The HTTP client plugins share: limiter, stop signal, one retry owner, errors without secrets. */
export {
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type HttpRequest,
  type HttpResponse,
} from './client.js';
export { defaultHttpError, HttpRequestError, parseRetryAfter, bodyMessage, type HttpFailure } from './errors.js';

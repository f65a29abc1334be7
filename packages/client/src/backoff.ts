/**
 * The one retry policy of the engine, for sync rounds and the live event stream alike (the sync machine is its
 * only caller; a refresh is part of a round). It lives in @selftracker/core, shared with the server's LISTEN
 * connection.
 */
export { type BackoffOptions, backoffDelay } from '@selftracker/core';

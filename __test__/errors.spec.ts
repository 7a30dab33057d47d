import test from 'ava'
import { createError, fromNativeError } from '../src/errors'
import {
  BackendError,
  ClaimError,
  CsrfError,
  FormatError,
  KeycardError,
  KeyError,
  ParameterError,
  StoreError,
  VerificationError,
} from '../src/index'
import { t_ } from './helpers/backends'

test(t_('errors: each code belongs to one family and keeps its code'), (t) => {
  const table = [
    ['ERR_KEY_TOO_SHORT', KeyError],
    ['ERR_NO_SECRET', KeyError],
    ['ERR_UNKNOWN_KEY', KeyError],
    ['ERR_BAD_FORMAT', FormatError],
    ['ERR_TOO_LARGE', FormatError],
    ['ERR_ALG_NOT_ALLOWED', FormatError],
    ['ERR_NOT_SERIALIZABLE', FormatError],
    ['ERR_BAD_SIGNATURE', VerificationError],
    ['ERR_DECRYPT', VerificationError],
    ['ERR_EXPIRED', ClaimError],
    ['ERR_NOT_YET_VALID', ClaimError],
    ['ERR_WRONG_PURPOSE', ClaimError],
    ['ERR_WRONG_AUDIENCE', ClaimError],
    ['ERR_WRONG_ISSUER', ClaimError],
    ['ERR_WRONG_SUBJECT', ClaimError],
    ['ERR_PARAMS_OUT_OF_RANGE', ParameterError],
    ['ERR_INVALID_ARGUMENT', ParameterError],
    ['ERR_BAD_CONFIG', ParameterError],
    ['ERR_STORE_UNAVAILABLE', StoreError],
    ['ERR_CSRF', CsrfError],
    ['ERR_NATIVE_UNAVAILABLE', BackendError],
    ['ERR_INTERNAL', BackendError],
    ['ERR_UNSUPPORTED_RUNTIME', BackendError],
  ] as const
  for (const [code, Family] of table) {
    const err = createError(code, 'why')
    t.true(err instanceof Family, code)
    t.true(err instanceof KeycardError, code)
    t.true(err instanceof Error, code)
    t.is(err.code, code)
    t.is(err.name, Family.name)
    t.is(err.message, 'why')
  }
})

test(t_('errors: native errors are rewrapped by code, anything else is ERR_INTERNAL'), (t) => {
  const coded = Object.assign(new Error('secret is shorter than 32 bytes'), { code: 'ERR_KEY_TOO_SHORT' })
  const wrapped = fromNativeError(coded)
  t.true(wrapped instanceof KeyError)
  t.is(wrapped.code, 'ERR_KEY_TOO_SHORT')
  const napiType = Object.assign(new Error('Failed to convert JavaScript value'), { code: 'InvalidArg' })
  const internal = fromNativeError(napiType)
  t.true(internal instanceof BackendError)
  t.is(internal.code, 'ERR_INTERNAL')
  t.is(internal.cause, napiType)
})

test(t_('errors: a CsrfError carries HTTP 403 for framework error handlers, as a StoreError carries 503'), (t) => {
  const err = createError('ERR_CSRF', 'invalid CSRF token')
  t.true(err instanceof CsrfError)
  t.like(err, { code: 'ERR_CSRF', status: 403, statusCode: 403, name: 'CsrfError' })
  t.like(createError('ERR_STORE_UNAVAILABLE', 'down'), { status: 503, statusCode: 503 })
})

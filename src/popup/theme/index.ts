// Every extension page imports this first, so its own CSS comes after and can build on it.
import './tokens.css';
import './base.css';
